"""Uploaded media served by Django when no web server does it (SERVE_MEDIA, docs/operations.md).

Only what the editor can upload is served as what it is (JPEG, PNG, GIF, WebP); anything else that
finds its way into MEDIA_ROOT is a download (`application/octet-stream`, `attachment`), never a page.
Every answer carries `nosniff` and a policy that forbids scripts, so an uploaded file never runs in
the site's origin.
"""

import mimetypes
import posixpath
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.utils._os import safe_join
from django.utils.http import http_date
from django.views.decorators.http import require_safe

INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_safe
def serve_media(request, path):
    normalised = posixpath.normpath(path).lstrip("/")
    try:
        fullpath = Path(safe_join(settings.MEDIA_ROOT, normalised))
    except SuspiciousFileOperation:  # a path outside MEDIA_ROOT
        raise Http404 from None
    if not fullpath.is_file() or any(part.startswith(".") for part in Path(normalised).parts):
        raise Http404
    content_type, _encoding = mimetypes.guess_type(fullpath.name)
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        fullpath.open("rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    response["Cache-Control"] = f"public, max-age={settings.MEDIA_CACHE_SECONDS}"
    response["Last-Modified"] = http_date(fullpath.stat().st_mtime)
    return response
