"""The cached side of live coverage: a direct's state, its polling payload and the exact page purge.

Thousands of readers poll one URL. Each poll reads one small cache key (the direct's version and
state); an unchanged version answers 304. A new version's payload is built once, by whichever
process takes the build lock first, and shared by every process through the cache. A change
refreshes the state key and purges this direct's page, the home page and its section page only.
"""

import json
import time

from django.conf import settings
from django.core.cache import cache
from django.http.request import split_domain_port, validate_host
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import _generate_cache_header_key

from articles.cache import generation
from articles.models import Article, LiveBlog, LiveEntry

BUILD_WAIT_SECONDS = 2.0


def _state_key(pk):
    # The generation makes a site-wide purge (an unpublication, a withdrawal) reach the state too.
    return f"live:{pk}:state:g{generation()}"


def _payload_key(pk, version):
    return f"live:{pk}:payload:{version}:g{generation()}"


def builds_key(pk):
    """How many times this direct's payload was built: the benchmark and tests read it."""
    return f"live:{pk}:builds"


def _stored_state(pk):
    row = (
        LiveBlog.objects.filter(pk=pk, article__in=Article.objects.published()).values_list("version", "state").first()
    )
    return tuple(row) if row else ()


def state(pk):
    """(version, state) of a direct readers may see, or None. One cache read when warm."""
    key = _state_key(pk)
    value = cache.get(key)
    if value is None:
        value = _stored_state(pk)
        # add(), not set(): a writer's fresher value, stored after its commit, is never overwritten.
        cache.add(key, value, settings.LIVE_STATE_SECONDS)
    return tuple(value) or None


def refresh(pk):
    """After a committed change: store the new state, purge the pages showing this direct."""
    value = _stored_state(pk)
    key = _state_key(pk)
    current = cache.get(key)
    # Two writers committing close together may run this out of order: never go back a version.
    if not (current and value and current[0] > value[0]):
        cache.set(key, value, settings.LIVE_STATE_SECONDS)
    live = LiveBlog.objects.select_related("article__section").filter(pk=pk).first()
    if live is not None:
        article = live.article
        feed = reverse("articles:live_feed", kwargs={"section": article.section.slug, "slug": article.slug})
        purge_paths([article.get_absolute_url(), feed, reverse("articles:home"), article.section.get_absolute_url()])


def payload(pk, version):
    """The JSON body for `version`, built at most once across processes."""
    key = _payload_key(pk, version)
    body = cache.get(key)
    if body is not None:
        return body
    lock = f"{key}:lock"
    if cache.add(lock, 1, 10):
        try:
            body = build_payload(pk, version)
            cache.set(key, body, settings.LIVE_PAYLOAD_SECONDS)
        finally:
            cache.delete(lock)
        return body
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        body = cache.get(key)
        if body is not None:
            return body
    # The builder is stuck or gone: answer with a fresh build rather than an error.
    return build_payload(pk, version)


def build_payload(pk, version):
    live = LiveBlog.objects.select_related("article").get(pk=pk)
    entries = list(
        LiveEntry.objects.filter(live_id=pk).select_related("author", "created_by", "promoted_to__section")[
            : settings.LIVE_POLL_ENTRIES + 1
        ]
    )
    pinned = next((entry for entry in entries if entry.pinned), None)
    if pinned is None:
        pinned = (
            LiveEntry.objects.filter(live_id=pk, pinned=True)
            .select_related("author", "created_by", "promoted_to__section")
            .first()
        )
    listed = [entry for entry in entries if not entry.pinned][: settings.LIVE_POLL_ENTRIES]
    data = {
        "version": version,
        "state": live.state,
        "pinned": pinned.pk if pinned else None,
        "summary_html": render_to_string("articles/includes/live_summary.html", {"live": live}),
        "pinned_html": render_to_string("articles/includes/live_pinned.html", {"live": live, "pinned": pinned}),
        "status_html": render_to_string("articles/includes/live_status.html", {"live": live}),
        "entries": [
            {
                "id": entry.pk,
                "rev": entry.revision,
                "ts": entry.posted_at.timestamp(),
                "html": render_to_string("articles/includes/live_entry.html", {"entry": entry, "live": live}),
            }
            for entry in listed
        ],
    }
    try:
        cache.incr(builds_key(pk))
    except ValueError:
        cache.set(builds_key(pk), 1, None)
    return json.dumps(data, ensure_ascii=False).encode()


def purge_paths(paths):
    """Drop the cached copies of these public paths (every host readers use), nothing else.

    The page cache (articles/cache.py `public_page`, Django's cache_page) finds a page through a
    header key per absolute URL; deleting it makes the next request rebuild that page only.
    """
    factory = RequestFactory()
    prefix = f"g{generation()}"
    hosts = {settings.SITE_URL.split("://", 1)[-1]} | {h for h in settings.ALLOWED_HOSTS if h and "*" not in h}
    keys = []
    for host in hosts:
        if not validate_host(split_domain_port(host)[0], settings.ALLOWED_HOSTS or ["localhost", "127.0.0.1"]):
            continue
        for secure in (False, True):
            for path in paths:
                request = factory.get(path, HTTP_HOST=host, secure=secure)
                request.LANGUAGE_CODE = settings.LANGUAGE_CODE
                keys.append(_generate_cache_header_key(prefix, request))
    cache.delete_many(keys)
