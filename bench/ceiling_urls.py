"""The ceiling for bench_pages.py: a bare Django view returning each page's bytes from memory."""

import json
import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import re_path

PAGES = {
    path: (content_type, Path(file).read_bytes())
    for path, (content_type, file) in json.loads(os.environ["BENCH_CEILING"]).items()
}


def page(request):
    content_type, body = PAGES[request.get_full_path()]
    return HttpResponse(body, content_type=content_type)


urlpatterns = [re_path(r"", page)]
