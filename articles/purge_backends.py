"""Purging a CDN by surrogate key: the small interface articles.cache.purge_keys calls.

PAGE_PURGE_BACKENDS lists backends as {"BACKEND": dotted path, "OPTIONS": {...}}. The Varnish one
speaks to the VCL in deploy/varnish/newsroom.vcl (xkey vmod). Fastly and Cloudflare-style CDNs take the
same keys through their APIs; docs/site.md shows the calls a backend for them makes. A CDN that cannot
be reached is logged, never raised: the publish or withdrawal that triggered the purge stands.
"""

import http.client
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class PurgeBackend:
    """Invalidate every cached object tagged with one of `keys`; hard=True forbids serving it stale."""

    def purge(self, keys, *, hard):
        raise NotImplementedError


class VarnishXkeyBackend(PurgeBackend):
    """HTTP PURGE to each Varnish with `xkey-purge` (hard) or `xkey-softpurge` (soft: grace allowed)."""

    def __init__(self, urls, timeout=2.0):
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.timeout = timeout

    def purge(self, keys, *, hard):
        header = "xkey-purge" if hard else "xkey-softpurge"
        value = " ".join(sorted(keys))
        for url in self.urls:
            parts = urlsplit(url)
            connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = connection_class(parts.hostname, parts.port, timeout=self.timeout)
            try:
                connection.request("PURGE", parts.path or "/", headers={header: value})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    logger.error("Varnish %s refused the purge of %s: HTTP %s", url, value, response.status)
            except OSError as error:
                logger.error("Varnish %s unreachable, purge of %s lost: %s", url, value, error)
            finally:
                connection.close()


def backends():
    return [import_string(item["BACKEND"])(**item.get("OPTIONS", {})) for item in settings.PAGE_PURGE_BACKENDS]


def purge(keys, *, hard):
    for backend in backends():
        backend.purge(keys, hard=hard)
