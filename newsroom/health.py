"""Health check for the load balancer: 200 when the database and the shared cache answer, else 503.

Never cached (by Django, a CDN or Varnish), exempt from the HTTPS redirect so a plain-HTTP probe from
the balancer works, and cheap: one `SELECT 1`, one cache write and read.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError as error:
        logger.warning("health check: database unavailable: %s", error)
        return False


def cache_ok():
    # A backend that degrades (swallows errors) reads None back instead of raising: that is a failure here.
    key, value = "newsroom:health", secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=30)
        return cache.get(key) == value
    except Exception as error:  # every cache client (redis, pymemcache, the database) has its own classes
        logger.warning("health check: cache unavailable: %s", error)
        return False


@never_cache
@require_safe
def health(request):
    checks = {"database": database_ok(), "cache": cache_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **{name: "ok" if ok else "error" for name, ok in checks.items()}},
        status=200 if healthy else 503,
    )
