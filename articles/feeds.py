"""RSS 2.0 and Atom feeds of the latest published stories: site-wide, per section, per tag, per author.

Every URL comes from SITE_URL (articles.links). Each entry carries its credit as author, the section and
tags as categories, its publication and update times. In-house stories (rewrites included) carry the
full body; agency dispatches only their standfirst or first paragraph: the agency licence does not allow
redistributing wire copy through feeds.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, rfc3339_date
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from articles.links import absolute_url
from articles.models import Article, Author, Section
from articles.typography import french_text

FEED_SIZE = 30


class NewsroomRss(Rss201rev2Feed):
    """RSS 2.0 with the full text in content:encoded and the update time in dcterms:modified."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
            "xmlns:dcterms": "http://purl.org/dc/terms/",
            "xmlns:media": "http://search.yahoo.com/mrss/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item["updateddate"] is not None:
            handler.addQuickElement("dcterms:modified", rfc3339_date(item["updateddate"]))
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])
        if item.get("image"):
            image = item["image"]
            attributes = {"url": image["url"], "medium": "image", "type": image["mime_type"]}
            attributes.update(width=str(image["width"]), height=str(image["height"]))
            handler.startElement("media:content", attributes)
            if image["credit"]:
                handler.addQuickElement("media:credit", image["credit"])
            handler.endElement("media:content")


class NewsroomAtom(Atom1Feed):
    """Atom with the full text in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


class LatestArticlesFeed(Feed):
    """The whole site (RSS); subclasses narrow the stories and name the feed's own URL."""

    feed_type = NewsroomRss
    url_name = "articles:feed"
    language = "fr"
    author_name = settings.SITE_NAME

    def get_object(self, request, **kwargs):
        return None

    def url_kwargs(self, obj):
        return {}

    def title(self, obj):
        return settings.SITE_NAME

    def link(self, obj):
        return absolute_url(reverse("articles:home"))

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name, kwargs=self.url_kwargs(obj)))

    def description(self, obj):
        return _("Les derniers articles publiés.")

    # Atom names the description « subtitle ».
    def subtitle(self, obj):
        return self.description(obj)

    def filter_stories(self, queryset, obj):
        return queryset

    def items(self, obj):
        queryset = (
            Article.objects.published()
            .select_related("section", "source", "based_on__source", "featured_image")
            # The tags into a plain list: prefetched into the manager, taggit built a tag queryset per
            # story (a third of the feed's build).
            .prefetch_related(Prefetch("tags", to_attr="tag_list"), "authors")
        )
        return self.filter_stories(queryset, obj)[:FEED_SIZE]

    def item_title(self, item):
        return french_text(item.headline)

    def item_link(self, item):
        return absolute_url(item)

    def item_description(self, item):
        # Plain text becomes HTML here, escaped once: readers decode the XML, then read HTML.
        summary = item.summary
        return f"<p>{escape(french_text(summary))}</p>" if summary else ""

    def item_extra_kwargs(self, item):
        # The body is sanitised HTML (nh3 on save and on ingest).
        return {"content": "" if item.is_dispatch else item.body, "image": item.feed_image()}

    def item_enclosures(self, item):
        image = item.feed_image()
        if image is None:
            return []
        return [feedgenerator.Enclosure(image["url"], str(image["length"]), image["mime_type"])]

    def item_categories(self, item):
        return [item.section.name, *(tag.name for tag in item.tag_list)]

    def item_author_name(self, item):
        # Article.byline_parts(), the credit rule every surface shares: « A et B, avec AFP », « AFP ».
        return item.byline_parts().creator or settings.SITE_NAME

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.last_changed


class ScopedFeed(LatestArticlesFeed):
    """The stories of one section, tag or author, found by slug (404 when unknown)."""

    model = None

    def get_object(self, request, slug):
        return get_object_or_404(self.model, slug=slug)

    def url_kwargs(self, obj):
        return {"slug": obj.slug}

    def title(self, obj):
        return f"{obj.name} — {settings.SITE_NAME}"

    def link(self, obj):
        return absolute_url(obj)


class SectionFeed(ScopedFeed):
    url_name, model = "articles:section_feed", Section

    def description(self, obj):
        return obj.description or _("Les derniers articles de la rubrique %(section)s.") % {"section": obj.name}

    def filter_stories(self, queryset, obj):
        return queryset.filter(section=obj)


class TagFeed(ScopedFeed):
    url_name, model = "articles:tag_feed", Tag

    def link(self, obj):
        return absolute_url(reverse("articles:tag", kwargs={"slug": obj.slug}))

    def description(self, obj):
        return _("Les derniers articles avec le mot-clé %(tag)s.") % {"tag": obj.name}

    def filter_stories(self, queryset, obj):
        return queryset.tagged(obj)


class AuthorFeed(ScopedFeed):
    url_name, model = "articles:author_feed", Author

    def description(self, obj):
        return _("Les derniers articles de %(author)s.") % {"author": obj.name}

    def filter_stories(self, queryset, obj):
        return queryset.by_author(obj)


def atom(feed_class):
    """The Atom twin of an RSS feed class: same stories, its own URL name (« …_atom »)."""
    return type(
        f"{feed_class.__name__}Atom",
        (feed_class,),
        {"feed_type": NewsroomAtom, "url_name": f"{feed_class.url_name}_atom"},
    )


SiteAtomFeed, SectionAtomFeed, TagAtomFeed, AuthorAtomFeed = (
    atom(cls) for cls in (LatestArticlesFeed, SectionFeed, TagFeed, AuthorFeed)
)
