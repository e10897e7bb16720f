"""Settings for bench_pages.py's gunicorn: the project's, with the page cache off on request, and the ceiling URLs."""

import os

from newsroom.settings import *  # noqa: F403

if os.environ.get("BENCH_PAGE_CACHE") == "off":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
if os.environ.get("BENCH_CEILING"):
    ROOT_URLCONF = "ceiling_urls"
