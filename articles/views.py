"""The public reading site: home, article pages, listings, corrections, error pages."""

import contextlib

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, OuterRef, Q, prefetch_related_objects
from django.http import HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from taggit.models import Tag

from articles import cache
from articles.cache import add_article_keys, add_keys, public_page
from articles.live_views import live_context
from articles.models import Article, Author, Correction, Section

HOME_LATEST = 9
HOME_BLOCK_SIZE = 4
RELATED_COUNT = 5
RELATED_CANDIDATES = 50


@public_page
def home(request):
    sections = list(Section.objects.filter(on_home=True))
    stories = home_stories(sections)
    # The newest HOME_LATEST of all, and each section's newest HOME_BLOCK_SIZE, are the first ones of
    # their kind in this list: every other story it holds is older than them.
    latest = stories[:HOME_LATEST]
    by_section = {}
    for article in stories:
        block = by_section.setdefault(article.section_id, [])
        if len(block) < HOME_BLOCK_SIZE:
            block.append(article)
    blocks = [(section, by_section[section.pk]) for section in sections if section.pk in by_section]
    add_keys(request, cache.HOME)
    add_article_keys(request, latest + [article for _, block in blocks for article in block])
    return render(
        request,
        "articles/home.html",
        {"lead": latest[0] if latest else None, "latest": latest[1:], "blocks": blocks},
    )


HOME_SQL = """
SELECT id FROM (
    SELECT "articles_article"."id" FROM "articles_article" WHERE {published}
    ORDER BY "articles_article"."publish_at" DESC, "articles_article"."id" DESC LIMIT %s
) AS latest
UNION
SELECT block.id FROM "articles_section" CROSS JOIN LATERAL (
    SELECT "articles_article"."id" FROM "articles_article"
    WHERE {published} AND "articles_article"."section_id" = "articles_section"."id"
    ORDER BY "articles_article"."publish_at" DESC, "articles_article"."id" DESC LIMIT %s
) AS block
WHERE "articles_section"."id" IN ({sections})
"""


def home_stories(sections):
    """The home page's stories, newest first: the latest HOME_LATEST published ones and the latest
    HOME_BLOCK_SIZE of each of `sections`. Each part is an indexed « latest n » scan
    (article_visible_idx, article_section_recent_idx), so the cost does not grow with the archive.

    PostgreSQL: the ids from one statement, a LATERAL subquery run once per section, then the teasers.
    The former `pk IN (<latest 9> UNION ALL <latest 4 of section 1> UNION ALL …)` through the ORM cost
    17–20 ms in-process against 9–10 (the planner planned each of the eight parts: 4 ms; the ORM
    built and compiled them); `pk IN (…) OR pk IN (…)` walked every published story (150 ms at
    100 000). The « published » condition is the ORM's own (ArticleQuerySet.published_sql).
    SQLite has no LATERAL and refuses LIMIT inside a compound statement: it gets the OR form, which
    it plans from the index (its archives are small).
    """
    newest = Article.objects.published().order_by("-publish_at", "-id")
    if connection.vendor == "postgresql" and sections:
        where, params = Article.objects.published_sql()
        sql = HOME_SQL.format(published=where, sections=", ".join(["%s"] * len(sections)))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, HOME_LATEST, *params, HOME_BLOCK_SIZE, *(s.pk for s in sections)])
            ids = [row[0] for row in cursor.fetchall()]
        found = Article.objects.for_listing().in_bulk(ids)
        return sorted(found.values(), key=lambda article: (article.publish_at, article.pk), reverse=True)
    parts = [newest.values("pk")[:HOME_LATEST]]
    parts += [newest.filter(section_id=section.pk).values("pk")[:HOME_BLOCK_SIZE] for section in sections]
    condition = Q(pk__in=[])
    for part in parts:
        condition |= Q(pk__in=part)
    return list(newest.for_listing().filter(condition))


RELATED_TAGS = 8  # tags of a story that look for its related stories (the first by name)

SAME_SECTION_SQL = """
    SELECT id FROM (
        SELECT "articles_article"."id" FROM "articles_article"
        WHERE {published} AND "articles_article"."section_id" = %s
        ORDER BY "articles_article"."publish_at" DESC, "articles_article"."id" DESC LIMIT %s
    ) AS same_section"""
SAME_TAG_SQL = """
    SELECT object_id FROM (
        SELECT "object_id" FROM "taggit_taggeditem" WHERE "content_type_id" = %s AND "tag_id" = %s
        ORDER BY "object_id" DESC LIMIT %s
    ) AS same_tag"""
RELATED_SQL = """
SELECT "articles_article"."id" FROM "articles_article"
WHERE {published} AND "articles_article"."id" <> %s AND "articles_article"."id" IN ({candidates})
ORDER BY (
    SELECT COUNT(*) FROM "taggit_taggeditem" AS item WHERE item."content_type_id" = %s
    AND item."object_id" = "articles_article"."id" AND item."tag_id" IN ({tags})
) DESC, "articles_article"."publish_at" DESC, "articles_article"."id" DESC
LIMIT %s
"""


def related_articles(article, tags):
    """Up to RELATED_COUNT published stories: those sharing most tags first, then the same section.

    Candidates are the RELATED_CANDIDATES (50) latest published stories of the section and, for each
    of the story's first RELATED_TAGS tags, the 50 newest stories carrying it (by id: one probe of
    taggeditem_tag_recent_idx per tag, migration 0013). Each part is a bounded index walk, so the cost
    depends neither on the archive's size nor on how common a tag is. (Walking the newest stories and
    testing each for a shared tag read the whole archive for a rare tag: 87 ms at 100 000 stories.)

    Two reads: the ranking returns ids only (joining sections, sources and pictures to every candidate
    before keeping five cost PostgreSQL half its time), then the five teasers. The ranking is written
    in SQL because building and compiling it through the ORM (a union, a correlated count) cost more
    than running it; the « published » condition inside it is still the ORM's own
    (ArticleQuerySet.published_sql), so the rule readers see stays in one place.
    """
    tag_ids = [tag.pk for tag in tags][:RELATED_TAGS]
    shared = tag_ids or [0]  # no story carries tag 0: without tags, every candidate shares none
    where, where_params = Article.objects.published_sql()
    content_type = ContentType.objects.get_for_model(Article).pk
    parts = [SAME_SECTION_SQL.format(published=where)] + [SAME_TAG_SQL] * len(tag_ids)
    params = [*where_params, article.pk, *where_params, article.section_id, RELATED_CANDIDATES]
    for tag_id in tag_ids:
        params += [content_type, tag_id, RELATED_CANDIDATES]
    params += [content_type, *shared, RELATED_COUNT]
    sql = RELATED_SQL.format(
        published=where, candidates=" UNION ALL ".join(parts), tags=", ".join(["%s"] * len(shared))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    found = Article.objects.for_listing().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def render_article(request, article, *, preview=False):
    """The article page for any article; the admin preview and share links call it with preview=True."""
    if article.based_on_id and not Article.based_on.is_cached(article):
        # Most stories are not rewrites: the dispatch and its section and source are read only for
        # those, rather than joined (three more tables to plan and fill) to every article read.
        article.based_on = Article.objects.select_related("section", "source").get(pk=article.based_on_id)
    tags = list(article.tags.order_by("name"))
    # Prefetched once: the byline (Article.byline_parts()) and the structured data read the same rows.
    prefetch_related_objects([article], "authors")
    context = {
        "article": article,
        "authors": list(article.authors.all()),
        "tags": tags,
        "related": related_articles(article, tags),
        "corrections": list(article.corrections.order_by("created_at", "id")),
        "based_on_visible": bool(article.based_on_id and article.based_on.is_published),
        "preview": preview,
        **live_context(article),
    }
    add_article_keys(request, [article, *context["related"]])
    if article.based_on_id:
        add_keys(request, cache.article_key(article.based_on_id))
    response = render(request, "articles/article_detail.html", context)
    if preview:
        add_never_cache_headers(response)
    return response


@public_page
def article_detail(request, section, slug):
    queryset = Article.objects.published().select_related("section", "source", "featured_image", "live")
    article = get_object_or_404(queryset, slug=slug)
    if article.section.slug != section:
        return redirect(article, permanent=True)
    return render_article(request, article)


class ListingPaginator(Paginator):
    """Counts no further than LOOKAHEAD pages past the one asked for: never the whole listing.

    A full COUNT(*) walked all 12 500 stories of a section, and every tagged row of a common tag, on
    each uncached request. The bounded count reads at most (page + LOOKAHEAD) × 20 + 1 index rows, so
    page 1 costs the same at 1 000 and 100 000 stories. `exact` says whether the total is known: it is
    on the last pages (« Page 12 sur 14 »); further back the page shows « Page 3 » and a next link.
    Pages far back stay correct (a page past the end is a 404), at the cost of their OFFSET.
    """

    LOOKAHEAD = 5

    def validate_number(self, number):
        with contextlib.suppress(TypeError, ValueError):  # Paginator.validate_number raises the right error
            self.asked = max(1, int(number))
        return super().validate_number(number)

    @cached_property
    def count(self):
        limit = (getattr(self, "asked", 1) + self.LOOKAHEAD) * self.per_page + 1
        counted = self.object_list.order_by().values("pk")[:limit].count()
        self.exact = counted < limit
        return counted


class PublishedListMixin:
    """Published stories, newest first, 20 a page; a page out of range or not a number is a 404."""

    paginate_by = 20
    template_name = "articles/article_list.html"
    heading = ""
    description = ""
    feed_name = None  # "section_feed", "tag_feed", "author_feed": linked from the page head (autodiscovery)

    @method_decorator(public_page)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get_paginator(self, queryset, per_page, **kwargs):
        return ListingPaginator(queryset, per_page, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=self.heading, description=self.description)
        add_keys(self.request, self.listing_key)
        add_article_keys(self.request, context["object_list"])
        if self.feed_name:
            slug = {"slug": self.kwargs["slug"]}
            context.update(
                feed_rss=reverse(f"articles:{self.feed_name}", kwargs=slug),
                feed_atom=reverse(f"articles:{self.feed_name}_atom", kwargs=slug),
            )
        return context


class SectionArticleList(PublishedListMixin, ListView):
    feed_name = "section_feed"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        self.heading, self.description = self.section.name, self.section.description
        self.listing_key = cache.section_key(self.section)
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagArticleList(PublishedListMixin, ListView):
    feed_name = "tag_feed"

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        self.heading = _("Mot-clé : %(tag)s") % {"tag": self.tag.name}
        self.listing_key = cache.tag_key(self.tag)
        return super().get_queryset().tagged(self.tag)


class AuthorArticleList(PublishedListMixin, ListView):
    feed_name = "author_feed"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        self.heading, self.description = self.author.name, self.author.bio
        self.listing_key = cache.author_key(self.author)
        return super().get_queryset().by_author(self.author)


@method_decorator(public_page, name="dispatch")
class CorrectionList(ListView):
    """Every correction made to a story readers can still see, newest first."""

    paginate_by = 20
    template_name = "articles/correction_list.html"

    def get_queryset(self):
        return (
            # Exists() starts from the (few) corrections rather than from every published story.
            Correction.objects.filter(Exists(Article.objects.published().filter(pk=OuterRef("article_id"))))
            .select_related("article", "article__section")
            .order_by("-created_at", "-id")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        add_keys(self.request, cache.CORRECTIONS)
        add_article_keys(self.request, [correction.article for correction in context["object_list"]])
        return context


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: context processors or the database may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
