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
from django.db.models import Case, Count, F, Max, When
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from taggit.models import Tag

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
    return timezone.localtime(value).replace(microsecond=0).isoformat() if value else ""


def loc(path):
    return escape(iri_to_uri(absolute_url(path)))


def xml_response(chunks):
    return HttpResponse("".join(chunks), content_type="application/xml; charset=utf-8")


def urlset(rows):
    """`rows`: (path, lastmod) pairs."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
    for path, lastmod in rows:
        yield f"<url><loc>{loc(path)}</loc>"
        if lastmod:
            yield f"<lastmod>{w3c(lastmod)}</lastmod>"
        yield "</url>\n"
    yield "</urlset>\n"


def month_bounds(year, month):
    """[start, end) of a calendar month in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return start, end


def months():
    """(first day of month, last change, stories) of every month holding a published story, newest first."""
    zone = timezone.get_current_timezone()
    rows = (
        Article.objects.published()
        .annotate(month=TruncMonth("publish_at", tzinfo=zone))
        .order_by()
        .values("month")
        .annotate(lastmod=Max(last_change()), stories=Count("id"))
        .order_by("-month")
        .values_list("month", "lastmod", "stories")
    )
    return list(rows)


def index(request):
    parts = [
        (reverse("articles:sitemap_pages"), None),
        (reverse("articles:sitemap_tags"), None),
        (reverse("articles:sitemap_authors"), None),
    ]
    latest = None
    for month, lastmod, _ in months():
        month = timezone.localtime(month) if timezone.is_aware(month) else month
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


def lastmod_by(relation):
    """{related id: last change among its published stories} for "tags" or "authors"."""
    rows = (
        Article.objects.published()
        .filter(**{f"{relation}__isnull": False})
        .order_by()
        .values(relation)
        .annotate(lastmod=Max(last_change()))
        .values_list(relation, "lastmod")
    )
    return dict(rows)


def tags(request):
    """Every tag with a published story."""
    lastmods = lastmod_by("tags")
    rows = Tag.objects.filter(pk__in=lastmods).order_by("name").values_list("pk", "slug")
    return xml_response(urlset((reverse("articles:tag", kwargs={"slug": slug}), lastmods[pk]) for pk, slug in rows))


def authors(request):
    """Every author with a published story."""
    lastmods = lastmod_by("authors")
    rows = Author.objects.filter(pk__in=lastmods).order_by("name").values_list("pk", "slug")
    return xml_response(urlset((reverse("articles:author", kwargs={"slug": slug}), lastmods[pk]) for pk, slug in rows))


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
