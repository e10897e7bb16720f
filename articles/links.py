"""Absolute URLs. Every link a page, feed, sitemap or email gives to the outside starts with SITE_URL,
built here and nowhere else: never from the request's host, which a proxy or a forged Host can change."""

from django.conf import settings


def absolute_url(location=""):
    """`location`: a path ("/kazakhstan/…/"), an object with get_absolute_url(), or an absolute URL (kept).

    A storage that serves media from another host (object storage, CDN) already gives absolute URLs.
    """
    if hasattr(location, "get_absolute_url"):
        location = location.get_absolute_url()
    location = str(location)
    if location.startswith(("http://", "https://")):
        return location
    if location.startswith("//"):
        return f"{settings.SITE_URL.split('//', 1)[0]}{location}"
    if not location.startswith("/"):
        location = f"/{location}"
    return f"{settings.SITE_URL}{location}"
