"""Cached public pages: surrogate keys, exact purges, and the decorator every reader-facing view wears.

Each cached page records the surrogate keys of what it shows (``article-12``, ``section-3``,
``tag-7``, ``author-2``, ``home``, ``feeds``, ``sitemaps``, ``corrections``, ``search``, and ``all`` on every
page). ``purge_keys(keys)`` makes exactly the pages carrying one of those keys stale, in the server
cache shared by every process (articles/pagecache.py) and in the CDN (articles/purge_backends.py).

    keys = article_keys(article)          # inside the transaction, before and after the change
    purge_keys_on_commit(keys, hard=True)  # withdrawal, unpublish: nobody sees the old copy again

A soft purge (the default: publish, edit, correction) lets other readers get the previous copy for
a few seconds while one process rebuilds the page; a hard purge does not.
"""

import logging
import re
from functools import partial, wraps

from django.db import transaction
from django.utils.cache import patch_cache_control, patch_vary_headers

from articles import pagecache, purge_backends

logger = logging.getLogger(__name__)

ALL = "all"
HOME = "home"
FEEDS = "feeds"
SITEMAPS = "sitemaps"
CORRECTIONS = "corrections"
SEARCH = "search"  # result pages: any change to any story may change them
_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")


def article_key(article_or_pk):
    """The key of one story: every page showing it (its own, listings, related stories) carries it."""
    return f"article-{getattr(article_or_pk, 'pk', article_or_pk)}"


def section_key(section_or_pk):
    return f"section-{getattr(section_or_pk, 'pk', section_or_pk)}"


def tag_key(tag_or_pk):
    return f"tag-{getattr(tag_or_pk, 'pk', tag_or_pk)}"


def author_key(author_or_pk):
    return f"author-{getattr(author_or_pk, 'pk', author_or_pk)}"


def article_keys(article):
    """Every key a change to `article` can affect: its page and each listing it appears (or may appear) on.

    Call it before the change *and* after it when the section, tags or authors may move (two queries),
    and purge the union, so that the listing the story left is rebuilt as well as the one it joined.
    """
    keys = {article_key(article), section_key(article.section_id), HOME, FEEDS, SITEMAPS, CORRECTIONS, SEARCH}
    if article.pk is not None:
        keys.update(tag_key(pk) for pk in article.tags.values_list("pk", flat=True))
        keys.update(author_key(pk) for pk in article.authors.values_list("pk", flat=True))
    return keys


def _clean(keys):
    if isinstance(keys, str):
        keys = [keys]
    cleaned = set()
    for key in keys:
        key = str(key)
        if not _KEY_RE.match(key):
            raise ValueError(f"Invalid surrogate key: {key!r}")
        cleaned.add(key)
    return cleaned


def purge_keys(keys, *, hard=False):
    """Make every page carrying one of `keys` stale, in this server's cache and in the CDN.

    hard=True (withdrawal, unpublish, legal takedown): no reader may get the old copy again, neither
    from the server cache nor from the CDN's grace. Otherwise one process rebuilds each page while
    others may serve the previous copy for up to PAGE_STALE_SECONDS. Never raises for an unreachable
    cache or CDN: the failure is logged (the page's lifetime then bounds how long it stays stale).
    Call it after the transaction commits (purge_keys_on_commit does).
    """
    keys = _clean(keys)
    if not keys:
        return
    pagecache.purge(keys, hard=hard)
    purge_backends.purge(keys, hard=hard)


def purge_keys_on_commit(keys, *, hard=False):
    """purge_keys once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(purge_keys, _clean(keys), hard=hard))


def purge_article(article, *, hard=False, extra=()):
    """Purge what `article` affects (its keys now, plus `extra`: e.g. the keys it had before the change)."""
    purge_keys(article_keys(article) | set(extra), hard=hard)


def purge_public_pages(*, hard=True):
    """Make every cached public page stale (a full purge: section renamed, demo reloaded, old callers).

    Hard by default: the flows that used it before exact purges existed include withdrawals.
    """
    purge_keys({ALL}, hard=hard)


def add_keys(request, *keys):
    """Declare that the page being built for `request` shows what `keys` name (public_page views)."""
    request.surrogate_keys = getattr(request, "surrogate_keys", set()) | _clean(keys)


def add_article_keys(request, articles):
    add_keys(request, *(article_key(article) for article in articles if article is not None))


def public_page(view=None, *, keys=()):
    """A reader-facing page: cached for anonymous readers (server and CDN), purged by its keys.

    The view declares what it shows with add_keys(request, …) (or `keys` here, for views that
    cannot: feeds, sitemaps); `all` is added to every page.
    PublicPageMiddleware serves, stores and revalidates the page; here the response is only marked.
    A visitor with a session (staff) gets a private, uncached copy and never a cached one.
    Use it as @public_page, or @public_page(keys=[…]).
    """
    if view is None:
        return partial(public_page, keys=keys)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        add_keys(request, ALL, *keys)
        response = view(request, *args, **kwargs)
        if not pagecache.is_anonymous_read(request):
            patch_cache_control(response, private=True, no_cache=True, max_age=0)
            patch_vary_headers(response, ["Cookie"])
            return response
        if response.status_code == 200 and not response.streaming:
            response.public_page_keys = frozenset(request.surrogate_keys)
        return response

    return wrapped
