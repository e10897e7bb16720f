"""Cache calls that survive a cache outage: an unreachable cache answers a fallback value, never a 500.

Every use of the shared cache outside the page cache (which has its own, articles/pagecache.py) goes
through `cache_call`, and each caller decides what its fallback means (docs/reliability.md,
« Redis stopped »): the sign-up limit lets people through, the editing presence shows nobody, live
polling builds from the database. An outage is what `pagecache.CACHE_ERRORS` lists (connection and
timeout errors); anything else (a bug, a ValueError from `incr`) still raises. After a failure the
cache is left alone for OUTAGE_BACKOFF seconds, so a Redis that hangs costs one timeout per process
and second, not one per call.
"""

import logging
import time

from django.core.cache import caches

from articles.pagecache import CACHE_ERRORS

logger = logging.getLogger(__name__)

OUTAGE_BACKOFF = 1.0
_down_until = 0.0


def cache_call(method, *args, fallback=None, alias="default", **kwargs):
    """`caches[alias].<method>(*args, **kwargs)`, or `fallback` while the cache cannot be reached.

    (Not `default=`: that is the cache's own argument of `get()`, for a missing key.)"""
    global _down_until
    if time.monotonic() < _down_until:
        return fallback
    try:
        return getattr(caches[alias], method)(*args, **kwargs)
    except CACHE_ERRORS as error:
        _down_until = time.monotonic() + OUTAGE_BACKOFF
        logger.warning("Cache %r unreachable (%s: %s); going on without it", alias, type(error).__name__, error)
        return fallback
