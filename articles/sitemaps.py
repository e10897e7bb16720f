"""Sitemaps: an index at /sitemap.xml pointing at one part per month of publication, one for the home page
and sections, one for tags, one for authors; and the Google News sitemap (last 48 hours).

Written directly as XML from `values_list()` rows: Django's sitemap framework renders a template per URL
and calls a method per field, seconds for a month of a large archive. Every location comes from
SITE_URL (articles.links). `lastmod` is the last change readers saw (`Article.last_changed`: the
announced update or the publication), never `modified_at`, which a bulk load or an admin save moves.
A past month only changes when one of its stories is edited, corrected or withdrawn: its part is stable.
"""

import datetime as dt
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Case, Exists, F, Max, OuterRef, When
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from taggit.models import Tag, TaggedItem

from articles.links import absolute_url
from articles.models import Article, Author, Section, article_path

NEWS_WINDOW = dt.timedelta(hours=48)
NEWS_LIMIT = 1000  # Google News sitemaps hold at most 1 000 URLs.
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def last_change():
    """SQL twin of Article.last_changed: updated_at when later than publish_at, else publish_at."""
    return Case(When(updated_at__gt=F("publish_at"), then=F("updated_at")), default=F("publish_at"))


def w3c(value):
    """W3C datetime in UTC, to the second (what the database returns: no time-zone lookup per row)."""
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else ""


def loc(path, prefix=None):
    """Escaped absolute location; `prefix` (absolute_url("")) saves the lookup per row of a large part."""
    if not path.isascii():
        path = iri_to_uri(path)
    return escape(f"{prefix}{path}" if prefix is not None else absolute_url(path))


def xml_response(chunks):
    return HttpResponse("".join(chunks), content_type="application/xml; charset=utf-8")


def urlset(rows):
    """`rows`: (path, lastmod) pairs."""
    prefix = absolute_url("").removesuffix("/")
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
    for path, lastmod in rows:
        lastmod = f"<lastmod>{w3c(lastmod)}</lastmod>" if lastmod else ""
        yield f"<url><loc>{loc(path, prefix)}</loc>{lastmod}</url>\n"
    yield "</urlset>\n"


def month_bounds(year, month):
    """[start, end) of a calendar month in UTC. Months are a partition for crawlers, not a date readers
    see: UTC spares a time-zone conversion per story when the index groups the archive (half its cost)."""
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def months():
    """(first day of month, last change) of every month holding a published story, newest first."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(MONTHS_SQL, {"now": timezone.now()})
            return [(month.replace(tzinfo=dt.UTC), lastmod) for month, lastmod in cursor.fetchall()]
    rows = (
        Article.objects.published()
        .annotate(month=TruncMonth("publish_at", tzinfo=dt.UTC))
        .order_by()
        .values("month")
        # Only indexed columns (article_sitemap_idx): an index-only scan, never the wide rows.
        .annotate(lastmod=Max(last_change()))
        .values_list("month", "lastmod")
    )
    # Sorted here: an ORDER BY makes PostgreSQL sort the index rows to group them.
    return sorted(rows, key=lambda row: row[0], reverse=True)


# PostgreSQL: the months are found by skipping from one to the next (a recursive probe of
# article_sitemap_idx per month), and each month's last change is one backward probe of
# article_sitemap_month_idx (migration 0012, same expressions): a few hundred index probes for a
# century of archive, instead of grouping every story. Visible stories only (published, not
# withdrawn, publish time reached — the current month's probe skips scheduled stories).
MONTHS_SQL = """
WITH RECURSIVE month(start) AS (
    SELECT date_trunc('month', max(publish_at) AT TIME ZONE 'UTC')
    FROM articles_article
    WHERE status = 'published' AND withdrawn_at IS NULL AND publish_at <= %(now)s
  UNION ALL
    SELECT (
        SELECT date_trunc('month', max(publish_at) AT TIME ZONE 'UTC')
        FROM articles_article
        WHERE status = 'published' AND withdrawn_at IS NULL AND publish_at < (month.start AT TIME ZONE 'UTC')
    )
    FROM month
    WHERE month.start IS NOT NULL
)
SELECT month.start, (
    SELECT GREATEST(updated_at, publish_at)
    FROM articles_article
    WHERE status = 'published' AND withdrawn_at IS NULL AND publish_at <= %(now)s
      AND date_trunc('month', publish_at AT TIME ZONE 'UTC') = month.start
    ORDER BY date_trunc('month', publish_at AT TIME ZONE 'UTC') DESC, GREATEST(updated_at, publish_at) DESC
    LIMIT 1
) AS lastmod
FROM month
WHERE month.start IS NOT NULL
ORDER BY month.start DESC
"""


def index(request):
    parts = [
        (reverse("articles:sitemap_pages"), None),
        (reverse("articles:sitemap_tags"), None),
        (reverse("articles:sitemap_authors"), None),
    ]
    latest = None
    for month, lastmod in months():
        month = month.astimezone(dt.UTC) if timezone.is_aware(month) else month
        latest = latest or lastmod
        path = reverse("articles:sitemap_month", kwargs={"year": month.year, "month": f"{month.month:02d}"})
        parts.append((path, lastmod))
    parts = [(path, lastmod or latest) for path, lastmod in parts]
    chunks = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for path, lastmod in parts:
        chunks.append(f"<sitemap><loc>{loc(path)}</loc>")
        if lastmod:
            chunks.append(f"<lastmod>{w3c(lastmod)}</lastmod>")
        chunks.append("</sitemap>\n")
    chunks.append("</sitemapindex>\n")
    return xml_response(chunks)


def month(request, year, month):
    year, month = int(year), int(month)
    if not 1 <= month <= 12 or year < 1:
        raise Http404("Mois inconnu.")
    start, end = month_bounds(year, month)
    rows = (
        Article.objects.published()
        .filter(publish_at__gte=start, publish_at__lt=end)
        .annotate(lastmod=last_change())
        .order_by("-publish_at", "-id")
        .values_list("section__slug", "slug", "lastmod")
    )
    # article_path(): the path Article.get_absolute_url() gives, without a reverse() per row.
    urls = [(article_path(section, slug), lastmod) for section, slug, lastmod in rows]
    if not urls:
        raise Http404("Aucun article publié ce mois-ci.")
    return xml_response(urlset(urls))


def pages(request):
    """The home page and every section, with the last change among their stories."""
    published = Article.objects.published().order_by()
    by_section = dict(
        published.values("section").annotate(lastmod=Max(last_change())).values_list("section", "lastmod")
    )
    home = max(by_section.values(), default=None)
    rows = [(reverse("articles:home"), home)]
    rows += [(section.get_absolute_url(), by_section.get(section.pk)) for section in Section.objects.only("slug")]
    return xml_response(urlset(rows))


def tags(request):
    """Every tag with a published story. No lastmod: it would cost a join over every tagging of the
    archive on each build; the stories listed there carry theirs."""
    content_type = ContentType.objects.get_for_model(Article)
    tagged = TaggedItem.objects.filter(
        content_type=content_type, tag=OuterRef("pk"), object_id__in=Article.objects.published().values("pk")
    )
    slugs = Tag.objects.filter(Exists(tagged)).order_by("name").values_list("slug", flat=True)
    return xml_response(urlset((reverse("articles:tag", kwargs={"slug": slug}), None) for slug in slugs))


def authors(request):
    """Every author with a published story (no lastmod, as for tags)."""
    credited = Article.objects.published().filter(authors=OuterRef("pk"))
    slugs = Author.objects.filter(Exists(credited)).order_by("name").values_list("slug", flat=True)
    return xml_response(urlset((reverse("articles:author", kwargs={"slug": slug}), None) for slug in slugs))


def news(request):
    """Google News: stories published in the last 48 hours, at most 1 000, newest first."""
    since = timezone.now() - NEWS_WINDOW
    rows = (
        Article.objects.published()
        .filter(publish_at__gte=since)
        .order_by("-publish_at", "-id")
        .values_list("section__slug", "slug", "headline", "publish_at")[:NEWS_LIMIT]
    )
    name = escape(settings.SITE_NAME)
    chunks = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n']
    for section, slug, headline, published in rows:
        chunks.append(
            f"<url><loc>{loc(article_path(section, slug))}</loc><news:news>"
            f"<news:publication><news:name>{name}</news:name><news:language>fr</news:language></news:publication>"
            f"<news:publication_date>{w3c(published)}</news:publication_date>"
            f"<news:title>{escape(headline)}</news:title></news:news></url>\n"
        )
    chunks.append("</urlset>\n")
    return xml_response(chunks)
