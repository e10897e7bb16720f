"""The site's URLs plus one deliberately slow public page, for the stampede tests."""

import threading
import time

from django.http import HttpResponse
from django.urls import include, path

from articles.cache import public_page


class SlowPage:
    """A public page that takes `delay` seconds to build and counts its builds."""

    def __init__(self):
        self.delay = 0.5
        self.text = "version 1"
        self.builds = 0
        self.lock = threading.Lock()

    def __call__(self, request):
        with self.lock:
            self.builds += 1
        time.sleep(self.delay)
        return HttpResponse(f"<p>{self.text}</p>" * 50, content_type="text/html; charset=utf-8")


slow_page = SlowPage()

urlpatterns = [
    path("lent/", public_page(slow_page, keys=["slow"])),
    path("", include("newsroom.urls")),
]
