"""Cached public pages, and the purge that publishing, editing and unpublishing call.

Every cached page key carries a site-wide generation number; a purge bumps it, so every page
that may show an article is rebuilt on its next request, on every web process sharing the cache.
"""

from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.views.decorators.cache import cache_page

GENERATION_KEY = "public-pages:generation"


def generation():
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, timeout=None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def purge_public_pages():
    """Make every cached public page stale. Call it from the flow that changed what readers see."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def public_page(view):
    """Cache a reader-facing view for PAGE_CACHE_SECONDS, keyed on the current generation."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        cached_view = cache_page(settings.PAGE_CACHE_SECONDS, key_prefix=f"g{generation()}")(view)
        return cached_view(request, *args, **kwargs)

    return wrapped
