"""Reading a direct: the entries on the article page, the polling endpoint, the entries' Atom feed, JSON-LD."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from articles import live_cache, pagecache
from articles import structured_data as sd
from articles.cache import FEEDS, add_keys, article_key
from articles.models import Article, LiveEntry

JSONLD_UPDATES = 50


def live_context(article):
    """What the article page adds for a direct: every entry (one query), the pinned one on top."""
    live = getattr(article, "live", None) if article.pk else None
    if live is None:
        return {"live": None}
    entries = list(LiveEntry.objects.filter(live=live).select_related("author", "created_by", "promoted_to__section"))
    pinned = next((entry for entry in entries if entry.pinned), None)
    return {
        "live": live,
        "live_entries": [entry for entry in entries if not entry.pinned],
        "live_pinned": pinned,
        "live_poll_url": reverse("articles:live_poll", kwargs={"pk": live.pk}),
        "live_poll_seconds": settings.LIVE_POLL_SECONDS,
        "live_all_entries": entries,
    }


def live_blog_posting(news, *, live, entries):
    """The page's NewsArticle (articles/structured_data.py) as a schema.org LiveBlogPosting: coverage
    times and the latest entries as `liveBlogUpdate`."""
    url = news["url"]
    updates = [entry for entry in entries if entry.deleted_at is None][:JSONLD_UPDATES]
    data = {
        **news,
        "@type": "LiveBlogPosting",
        "coverageStartTime": sd.iso(live.started_at),
        "dateModified": sd.iso(max(filter(None, [live.article.last_changed, live.last_entry_at, live.ended_at]))),
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "@id": f"{url}#{entry.anchor}",
                "url": f"{url}#{entry.anchor}",
                "headline": entry.title or Truncator(strip_tags(entry.body)).chars(110),
                "articleBody": strip_tags(entry.body),
                "datePublished": sd.iso(entry.posted_at),
                "dateModified": sd.iso(entry.edited_at or entry.posted_at),
                **({"author": {"@type": "Person", "name": entry.author_name}} if entry.author_name else {}),
            }
            for entry in updates
        ],
    }
    if live.ended_at:
        data["coverageEndTime"] = sd.iso(live.ended_at)
    return data


def _matches(if_none_match, etag):
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


@require_GET
def live_poll(request, pk):
    """The latest entries as JSON, 304 while the direct's version is unchanged. Cache-friendly."""
    current = live_cache.state(pk)
    if current is None:
        raise Http404
    version, _state = current
    etag = f'"live-{pk}-{version}"'
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(live_cache.payload(pk, version), content_type="application/json")
    response["ETag"] = etag
    response[pagecache.setting("SURROGATE_KEY_HEADER", "Surrogate-Key")] = live_cache.live_key(pk)
    response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.LIVE_POLL_MAX_AGE}, must-revalidate"
    return response


class LiveEntriesFeed(Feed):
    """The direct's entries as an Atom feed, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request, section, slug):
        article = get_object_or_404(Article.objects.published().select_related("section", "live"), slug=slug)
        if article.section.slug != section or not hasattr(article, "live"):
            raise Http404
        add_keys(request, article_key(article), FEEDS)
        return article.live

    def title(self, obj):
        return _("%(headline)s — en direct") % {"headline": obj.article.headline}

    def link(self, obj):
        return obj.article.get_absolute_url()

    def subtitle(self, obj):
        return obj.article.standfirst

    def items(self, obj):
        return (
            LiveEntry.objects.filter(live=obj, deleted_at__isnull=True)
            .select_related("author", "created_by", "live__article__section")
            .order_by("-posted_at", "-id")[:JSONLD_UPDATES]
        )

    def item_title(self, item):
        return item.title or Truncator(strip_tags(item.body)).chars(110)

    def item_description(self, item):
        return item.body

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"{settings.SITE_URL}{item.get_absolute_url()}"

    def item_author_name(self, item):
        return item.author_name or item.credit or None

    def item_pubdate(self, item):
        return item.posted_at

    def item_updateddate(self, item):
        return item.edited_at or item.posted_at
