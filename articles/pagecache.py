"""The server-side store behind articles.cache: entries, key tokens, rebuild locks, stale copies, outages.

What lives in the default cache (shared by every process: Redis, or the file cache by default):

- ``pp:page:<digest>`` one entry per page (host + path + query): body, gzip body, headers, ETag,
  the surrogate keys it shows with the tokens those keys had when it was stored, and the purge
  sequence it was last checked against.
- ``pp:k:<key>`` / ``pp:h:<key>`` the soft and hard tokens of a surrogate key: ``(purged_at, random)``.
  Every purge of the key replaces the soft one, a hard purge both.
- ``pp:seq`` a random token replaced by every purge: while it is unchanged, a hit needs one round
  trip (entry + seq); once it moved, the entry's tokens are compared once and the entry re-stamped.
- ``pp:lock:<digest>`` the one process rebuilding a stale page; ``pp:next`` the next scheduled publish.

Tokens are random, never counters: when one is evicted or the cache is flushed, a fresh token cannot
equal what an old page recorded (a generation counter restarting at 1 could bring old pages back), and
a missing token counts as a hard purge. A cache that cannot be reached (Redis down) is skipped for
OUTAGE_BACKOFF seconds: pages are then built for every request, never a 500.
"""

import gzip
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_etags, parse_http_date_safe

logger = logging.getLogger(__name__)

SEQ = "pp:seq"
NEXT = "pp:next"
BUILDS = "pp:builds"
OUTAGE_BACKOFF = 1.0
LOCK_SECONDS = 30
POLL_SECONDS = 0.025
COMPRESSIBLE = ("text/", "application/xml", "application/rss+xml", "application/atom+xml", "application/json")
# Headers the store sets itself when it answers; everything else the stack set is kept as it was.
OWN_HEADERS = {"cache-control", "content-length", "content-encoding", "etag", "last-modified", "vary",
               "expires", "date", "set-cookie", "surrogate-key"}  # fmt: skip
ACCEPTS_GZIP = re.compile(r"\bgzip\b")

FRESH, SOFT, HARD, MISS = "fresh", "soft", "hard", "miss"


def _errors():
    errors = [OSError, DatabaseError, EOFError]
    try:
        import redis

        errors.append(redis.exceptions.RedisError)
    except ImportError:  # pragma: no cover - redis is a base requirement
        pass
    return tuple(errors)


CACHE_ERRORS = _errors()
_down_until = 0.0


def setting(name, default):
    return getattr(settings, name, default)


def store():
    return caches[setting("PAGE_CACHE_ALIAS", "default")]


def _call(method, *args, default=None, **kwargs):
    """One cache operation; an unreachable cache answers `default` and is left alone for a second."""
    global _down_until
    if time.monotonic() < _down_until:
        return default
    try:
        return getattr(store(), method)(*args, **kwargs)
    except CACHE_ERRORS as error:
        _down_until = time.monotonic() + OUTAGE_BACKOFF
        logger.warning("Page cache unreachable (%s: %s); serving uncached pages", type(error).__name__, error)
        return default


def cache_available():
    return time.monotonic() >= _down_until


def _token(now=0.0):
    return (now, secrets.token_hex(8))


def _token_names(keys):
    return [f"pp:k:{key}" for key in keys] + [f"pp:h:{key}" for key in keys]


def key_tokens(keys):
    """Current tokens of `keys` by cache name; missing ones are created (as unknown: a hard mismatch)."""
    names = _token_names(keys)
    found = _call("get_many", names)
    if found is None:
        return None
    missing = [name for name in names if name not in found]
    for name in missing:
        _call("add", name, _token(), timeout=None)
    if missing:
        found.update(_call("get_many", missing, default={}))
        if any(name not in found for name in names):
            return None
    return found


def purge(keys, *, hard):
    """Replace the tokens of `keys` (and the sequence): pages carrying them stop being fresh."""
    now = time.time()
    tokens = {f"pp:k:{key}": _token(now) for key in keys}
    if hard:
        tokens.update({f"pp:h:{key}": _token(now) for key in keys})
    if _call("set_many", tokens, timeout=None) is None:
        logger.error("Page cache purge of %s could not reach the cache", " ".join(sorted(keys)))
        return False
    _call("set", SEQ, secrets.token_hex(8), timeout=None)
    _call("delete", NEXT)
    return True


def sequence():
    """The token every purge replaces (None when the cache cannot be reached): tests and diagnostics."""
    return _call("get", SEQ)


def page_id(request):
    digest = hashlib.sha1(
        f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode(), usedforsecurity=False
    )
    return f"pp:page:{digest.hexdigest()}"


def is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def validate(entry, seq, now):
    """FRESH, SOFT (may be served while one process rebuilds) or HARD (must not be served)."""
    if entry is None:
        return MISS
    if seq is None or entry["seq"] != seq:
        tokens = key_tokens(entry["keys"])
        if tokens is None:
            return MISS
        names = _token_names(entry["keys"])
        current = [tokens[name] for name in names]
        count = len(entry["keys"])
        if current[count:] != list(entry["tokens"][count:]):
            return HARD
        if current[:count] != list(entry["tokens"][:count]):
            purged_at = max(token[0] for token in current[:count])
            return SOFT if now - purged_at < setting("PAGE_STALE_SECONDS", 10) else HARD
        if seq is not None:
            entry["seq"] = seq
            _call("set", entry["id"], entry, timeout=max(1, int(entry["expires"] - now)))
    if now < entry["fresh_until"]:
        return FRESH
    if entry["schedule_bound"] or now - entry["fresh_until"] >= setting("PAGE_STALE_SECONDS", 10):
        return HARD
    return SOFT


def lookup(page_key):
    """(entry, seq, state) for one page; seq is None when the cache cannot be reached."""
    found = _call("get_many", [page_key, SEQ])
    if found is None:
        return None, None, MISS
    seq = found.get(SEQ)
    if seq is None:
        _call("add", SEQ, secrets.token_hex(8), timeout=None)
        seq = _call("get", SEQ)
    entry = found.get(page_key)
    return entry, seq, validate(entry, seq, time.time())


def acquire(page_key):
    return bool(_call("add", f"pp:lock:{page_key}", 1, timeout=LOCK_SECONDS, default=True))


def release(page_key):
    _call("delete", f"pp:lock:{page_key}")


def wait_for_rebuild(page_key):
    """Wait (bounded) for the process holding the lock to store a fresh copy; None when it did not."""
    deadline = time.monotonic() + setting("PAGE_REBUILD_WAIT_SECONDS", 10)
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        entry, _, state = lookup(page_key)
        if state == FRESH:
            return entry
        if _call("get", f"pp:lock:{page_key}") is None:
            # The rebuilder may have stored the page and let go between that lookup and this check.
            entry, _, state = lookup(page_key)
            return entry if state == FRESH else None
    return None


def next_publish(now):
    """Epoch time of the next scheduled story (0.0 when none): no page is fresh past it."""
    cached = _call("get", NEXT)
    if cached is not None:
        return cached
    from articles.models import Article  # models import this module's callers

    upcoming = (
        Article.objects.scheduled()
        .filter(withdrawn_at__isnull=True)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    value = upcoming.timestamp() if upcoming else 0.0
    lifetime = setting("PAGE_CACHE_SECONDS", 60)
    if value:
        lifetime = max(1, min(lifetime, int(value - now)))
    _call("set", NEXT, value, timeout=lifetime)
    return value


@dataclass
class Build:
    """A page being built for one request: what the store needs to know when the response comes back."""

    page_key: str
    seq: object
    previous: dict | None
    started: float = field(default_factory=time.time)
    locked: bool = False


def _gzip(body):
    return gzip.compress(body, compresslevel=6, mtime=0)


def compressible(response):
    content_type = response.get("Content-Type", "")
    return len(response.content) >= 200 and content_type.startswith(COMPRESSIBLE)


def make_entry(build, response, keys):
    """The entry for a response; stored unless one of its keys was purged while it was being built."""
    now = time.time()
    keys = sorted(keys)
    body = response.content
    etag = f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    previous = build.previous
    same = previous is not None and previous["etag"] == etag
    schedule_at = next_publish(now)
    fresh_until = now + setting("PAGE_CACHE_SECONDS", 60)
    schedule_bound = bool(schedule_at) and schedule_at < fresh_until
    entry = {
        "id": build.page_key,
        "status": response.status_code,
        "headers": [(name, value) for name, value in response.items() if name.lower() not in OWN_HEADERS],
        "body": body,
        # Compressed once when stored; a copy that is not stored is compressed only for a client
        # that accepts gzip (respond()).
        "gzip": None,
        "compressible": compressible(response),
        "etag": etag,
        "last_modified": previous["last_modified"] if same else now,
        "keys": keys,
        "tokens": None,
        "seq": build.seq,
        "fresh_until": schedule_at if schedule_bound else fresh_until,
        "schedule_at": schedule_at,
        "schedule_bound": schedule_bound,
        "expires": 0.0,
    }
    tokens = key_tokens(keys) if build.seq is not None else None
    if tokens is None:
        return entry
    current = [tokens[name] for name in _token_names(keys)]
    # A purge stamped after the build started may have committed after the view read the database.
    # On one machine the stamps share a clock; across machines PAGE_CLOCK_SKEW_SECONDS widens the check.
    skew = setting("PAGE_CLOCK_SKEW_SECONDS", 0)
    if any(token[0] >= build.started - skew for token in current):
        return entry  # purged while this copy was being built: serve it once, never store it
    entry["tokens"] = current
    if entry["compressible"]:
        entry["gzip"] = _gzip(body)
    entry["expires"] = entry["fresh_until"] + max(setting("PAGE_STALE_SECONDS", 10), 60)
    _call("set", build.page_key, entry, timeout=max(1, int(entry["expires"] - now)))
    if _call("add", BUILDS, 0, timeout=None) is not None:
        _call("incr", BUILDS)
    return entry


def rebuild_count():
    """Pages stored since the cache was emptied, across every process (tests and benchmarks)."""
    return _call("get", BUILDS, default=0) or 0


def cache_control(entry, *, stale, now):
    if stale or entry["tokens"] is None:
        # A copy being replaced (or not stored): a CDN must not keep it.
        return "public, max-age=0, s-maxage=0"
    max_age = setting("PAGE_BROWSER_SECONDS", 30)
    s_maxage = setting("PAGE_CDN_SECONDS", setting("PAGE_CACHE_SECONDS", 60))
    directives = []
    if entry["schedule_at"] and entry["schedule_at"] - now < s_maxage:
        # A scheduled story appears then: nobody (browser, CDN, grace) may keep this copy past it.
        remaining = max(0, int(entry["schedule_at"] - now))
        max_age, s_maxage = min(max_age, remaining), remaining
    else:
        directives.append(f"stale-while-revalidate={setting('PAGE_STALE_SECONDS', 10)}")
    directives.append(f"stale-if-error={setting('PAGE_STALE_IF_ERROR_SECONDS', 86400)}")
    return ", ".join(["public", f"max-age={max_age}", f"s-maxage={s_maxage}", *directives])


def respond(request, entry, *, stale=False):
    """The HTTP answer for an entry: 304 on a matching validator, gzip when accepted, headers for a CDN."""
    now = time.time()
    headers = {
        "ETag": entry["etag"],
        "Last-Modified": http_date(entry["last_modified"]),
        "Cache-Control": cache_control(entry, stale=stale, now=now),
        "Vary": "Accept-Encoding, Cookie",
        setting("SURROGATE_KEY_HEADER", "Surrogate-Key"): " ".join(entry["keys"]),
    }
    if not_modified(request, entry):
        response = HttpResponseNotModified()
    else:
        body = entry["body"]
        if entry.get("compressible", entry["gzip"] is not None) and ACCEPTS_GZIP.search(
            request.META.get("HTTP_ACCEPT_ENCODING", "")
        ):
            if entry["gzip"] is None:
                entry["gzip"] = _gzip(body)
            body = entry["gzip"]
            headers["Content-Encoding"] = "gzip"
        response = HttpResponse(b"" if request.method == "HEAD" else body, status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["Content-Length"] = str(len(body))
    for name, value in headers.items():
        response[name] = value
    return response


def not_modified(request, entry):
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        etags = [tag.removeprefix("W/") for tag in parse_etags(if_none_match)]
        return "*" in etags or entry["etag"].removeprefix("W/") in etags
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    return since is not None and int(entry["last_modified"]) <= since
