"""The cached side of live coverage: a direct's state, its polling payload, and the exact purge.

Thousands of readers poll one URL. Each poll reads the direct's state (version, article) and the
page cache's tokens of its article key: two cache reads, no query; an unchanged version answers
304. A new version's payload is built once, by whichever process takes the build lock first, and
shared by every process through the cache. A change purges only the direct's surrogate keys
(articles/cache.py): its page, the teasers and listings showing it, its feed, its polling answer.
A cache that cannot be reached (Redis down) is skipped (articles/cache_safety.py): every poll then
reads the state and builds the payload from the database, and a change's refresh is logged, not raised.
"""

import json
import time

from django.conf import settings
from django.template.loader import render_to_string

from articles import pagecache
from articles.cache import ALL, article_key, purge_keys
from articles.cache_safety import cache_call
from articles.models import Article, LiveBlog, LiveEntry

BUILD_WAIT_SECONDS = 2.0


def live_key(pk):
    """Surrogate key of a direct's polling answer (a CDN caching it purges it by this key)."""
    return f"live-{pk}"


def _state_key(pk):
    return f"live:{pk}:state"


def _payload_key(pk, version):
    return f"live:{pk}:payload:{version}"


def builds_key(pk):
    """How many times this direct's payload was built: the benchmark and tests read it."""
    return f"live:{pk}:builds"


def _tokens(article_pk):
    # A purge of the article (unpublication, withdrawal, full purge) replaces these tokens.
    return pagecache.key_tokens([article_key(article_pk), ALL])


def _stored_state(pk):
    row = (
        LiveBlog.objects.filter(pk=pk, article__in=Article.objects.published())
        .values_list("version", "state", "article_id")
        .first()
    )
    return {"version": row[0], "state": row[1], "article": row[2], "tokens": _tokens(row[2])} if row else {}


def state(pk):
    """(version, state) of a direct readers may see, or None. Two cache reads when warm."""
    key = _state_key(pk)
    value = cache_call("get", key)
    if value is not None and (not value or value["tokens"] == _tokens(value["article"])):
        return (value["version"], value["state"]) if value else None
    fresh = _stored_state(pk)
    if value is None:
        # add(), not set(): a writer's fresher value, stored after its commit, is never overwritten.
        cache_call("add", key, fresh, settings.LIVE_STATE_SECONDS)
    else:
        cache_call("set", key, fresh, settings.LIVE_STATE_SECONDS)
    return (fresh["version"], fresh["state"]) if fresh else None


def refresh(pk):
    """After a committed change: store the new state, purge the pages showing this direct."""
    value = _stored_state(pk)
    article_pk = LiveBlog.objects.filter(pk=pk).values_list("article_id", flat=True).first()
    if article_pk is not None:
        purge_keys({article_key(article_pk), live_key(pk)})
        value = _stored_state(pk)  # with the tokens the purge just set
    key = _state_key(pk)
    current = cache_call("get", key)
    # Two writers committing close together may run this out of order: never go back a version.
    if not (current and value and current["version"] > value["version"]):
        cache_call("set", key, value, settings.LIVE_STATE_SECONDS)


def payload(pk, version):
    """The JSON body for `version`, built at most once across processes."""
    key = _payload_key(pk, version)
    body = cache_call("get", key)
    if body is not None:
        return body
    lock = f"{key}:lock"
    # Without the cache nobody can hold the lock nor share a payload: build it here, at once.
    if cache_call("add", lock, 1, 10, fallback=True):
        try:
            body = build_payload(pk, version)
            cache_call("set", key, body, settings.LIVE_PAYLOAD_SECONDS)
        finally:
            cache_call("delete", lock)
        return body
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        body = cache_call("get", key)
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
        cache_call("incr", builds_key(pk))
    except ValueError:
        cache_call("set", builds_key(pk), 1, None)
    return json.dumps(data, ensure_ascii=False).encode()
