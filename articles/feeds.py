"""RSS feeds: the latest published stories, site-wide and per section."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Section

FEED_SIZE = 30


class LatestArticlesFeed(Feed):
    title = settings.SITE_NAME
    description = _("Les derniers articles publiés.")
    language = "fr"

    def link(self):
        return reverse("articles:home")

    def items(self):
        return Article.objects.published().for_listing().prefetch_related("authors")[:FEED_SIZE]

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.standfirst

    def item_author_name(self, item):
        return item.byline_parts().creator or None

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.updated_at or item.publish_at


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, obj):
        return f"{obj.name} — {settings.SITE_NAME}"

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return obj.description or _("Les derniers articles de la rubrique %(section)s.") % {"section": obj.name}

    def items(self, obj):
        return Article.objects.published().for_listing().prefetch_related("authors").filter(section=obj)[:FEED_SIZE]
