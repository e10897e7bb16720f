"""Sitemap index, its parts, the Google News sitemap and robots.txt, parsed as a crawler reads them."""

import datetime as dt
import re

import defusedxml.ElementTree as ET
import pytest
import time_machine
from django.db import connection
from django.db.models import Max
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from taggit.models import Tag

from articles import sitemaps
from articles.models import Article, Section
from tests.articles.conftest import PUBLIC_SITE as SITE
from tests.factories import make_article, make_author, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def xml(client, url):
    response = client.get(url, HTTP_HOST="backend.internal")
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    assert b"backend.internal" not in response.content
    return ET.fromstring(response.content)


def read_index(client):
    """{part path: lastmod} of the index, and {location: lastmod} over every part it lists."""
    parts = {
        node.findtext("sm:loc", namespaces=NS).removeprefix(SITE): node.findtext("sm:lastmod", namespaces=NS)
        for node in xml(client, "/sitemap.xml").iterfind("sm:sitemap", NS)
    }
    urls = {}
    for part in parts:
        for node in xml(client, part).iterfind("sm:url", NS):
            location = node.findtext("sm:loc", namespaces=NS)
            assert location not in urls, f"{location} listed twice"
            urls[location] = node.findtext("sm:lastmod", namespaces=NS)
    return parts, urls


@pytest.fixture
def archive():
    with time_machine.travel(NOW, tick=False):
        author = make_author(slug="aigerim")
        stories = {
            "nov": make_article(publish_at=dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC), authors=[author]),
            "dec": make_article(publish_at=NOW - dt.timedelta(hours=1), tags=["énergie"]),
            "oct23": make_article(
                publish_at=dt.datetime(2023, 10, 19, 12, 5, tzinfo=dt.UTC),
                updated_at=dt.datetime(2023, 10, 20, 8, 0, tzinfo=dt.UTC),
                section=Section.objects.get(slug="europe"),
                source=source("afp"),
            ),
        }
        hidden = [
            make_article(status=Article.Status.DRAFT, publish_at=None, tags=["caché"]),
            make_article(publish_at=NOW + dt.timedelta(hours=2), authors=[make_author(slug="futur")]),
            make_article(withdrawn_at=NOW, publish_at=NOW - dt.timedelta(hours=3), tags=["retiré"]),
            make_article(status=Article.Status.UNPUBLISHED, publish_at=NOW - dt.timedelta(days=40)),
        ]
        yield stories, hidden


def test_index_and_parts_list_exactly_the_published_stories(client, archive):
    stories, hidden = archive
    with time_machine.travel(NOW, tick=False):
        parts, urls = read_index(client)
    # Months are UTC months: 23:30 UTC on 30 November (already 1 December in Paris) is in November's part.
    assert list(parts) == [
        "/sitemap-rubriques.xml",
        "/sitemap-mots-cles.xml",
        "/sitemap-auteurs.xml",
        "/sitemap-articles-2026-12.xml",
        "/sitemap-articles-2026-11.xml",
        "/sitemap-articles-2023-10.xml",
    ]
    article_urls = {url for url in urls if re.fullmatch(rf"{SITE}/[^/]+/[^/]+/", url) and "/mots-cles/" not in url}
    article_urls -= {url for url in urls if "/auteurs/" in url}
    assert article_urls == {SITE + story.get_absolute_url() for story in stories.values()}
    for story in hidden:
        assert not any(story.slug in url for url in urls)
    assert f"{SITE}/" in urls and f"{SITE}/europe/" in urls
    assert f"{SITE}/auteurs/aigerim/" in urls and f"{SITE}/auteurs/futur/" not in urls
    tag_url = {
        name: f"{SITE}/mots-cles/{iri_to_uri(Tag.objects.get(name=name).slug)}/"
        for name in ("énergie", "caché", "retiré")
    }
    assert tag_url["énergie"] in urls
    assert tag_url["caché"] not in urls and tag_url["retiré"] not in urls


def test_lastmod_is_the_real_last_change_not_the_load_date(client, archive):
    stories, _ = archive
    with time_machine.travel(NOW, tick=False):
        parts, urls = read_index(client)
    # modified_at says 1 December 2026 (the « load date »); readers saw 19 then 20 October 2023.
    assert urls[SITE + stories["oct23"].get_absolute_url()] == "2023-10-20T08:00:00+00:00"
    assert parts["/sitemap-articles-2023-10.xml"] == "2023-10-20T08:00:00+00:00"
    assert urls[f"{SITE}/europe/"] == "2023-10-20T08:00:00+00:00"
    assert urls[f"{SITE}/"] == stories["dec"].publish_at.astimezone(dt.UTC).isoformat()


def test_news_sitemap_holds_only_the_last_48_hours(client, archive):
    stories, _ = archive
    with time_machine.travel(NOW, tick=False):
        old = make_article(publish_at=NOW - dt.timedelta(hours=48, minutes=1))
        edge = make_article(headline="Juste à temps & « bien »", publish_at=NOW - dt.timedelta(hours=47, minutes=59))
        root = xml(client, "/sitemap-news.xml")
    entries = root.findall("sm:url", NS)
    locs = [node.findtext("sm:loc", namespaces=NS) for node in entries]
    assert locs == [SITE + a.get_absolute_url() for a in (stories["dec"], stories["nov"], edge)]
    assert SITE + old.get_absolute_url() not in locs
    news = entries[2].find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "Newsroom — L’actualité de l’Asie centrale"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "fr"
    assert news.findtext("news:title", namespaces=NS) == "Juste à temps & « bien »"
    assert news.findtext("news:publication_date", namespaces=NS) == "2026-11-29T12:01:00+00:00"


def test_news_sitemap_stops_at_1000(client, settings):
    from articles import sitemaps

    settings_limit = sitemaps.NEWS_LIMIT
    try:
        sitemaps.NEWS_LIMIT = 3
        for _ in range(5):
            make_article()
        assert len(xml(client, "/sitemap-news.xml").findall("sm:url", NS)) == 3
    finally:
        sitemaps.NEWS_LIMIT = settings_limit
    assert settings_limit == 1000


@pytest.mark.parametrize(
    "path",
    [
        "/sitemap-articles-2019-01.xml",
        "/sitemap-articles-2026-13.xml",
        "/sitemap-articles-0000-01.xml",
        "/sitemap-articles-2026-1.xml",
    ],
)
def test_empty_or_malformed_month_is_404(client, archive, path):
    assert client.get(path).status_code == 404


def test_robots_txt_names_both_sitemaps_and_hides_private_paths(client):
    response = client.get("/robots.txt", HTTP_HOST="backend.internal")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert f"Sitemap: {SITE}/sitemap.xml" in lines and f"Sitemap: {SITE}/sitemap-news.xml" in lines
    for path in (
        "/admin/",
        "/apercu/",
        "/newsletter/confirmer/",
        "/newsletter/desinscription/",
        "/newsletter/preferences/",
    ):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines


def test_sitemap_query_counts_do_not_grow_with_data(client, django_assert_max_num_queries):
    from django.core.cache import cache

    def counts():
        found = {}
        for url in (
            "/sitemap.xml",
            "/sitemap-rubriques.xml",
            "/sitemap-mots-cles.xml",
            "/sitemap-auteurs.xml",
            "/sitemap-news.xml",
        ):
            cache.clear()
            with django_assert_max_num_queries(50) as captured:
                client.get(url)
            found[url] = len(captured.captured_queries)
        return found

    make_article(tags=["a"], authors=[make_author()])
    few = counts()
    for n in range(30):
        make_article(
            tags=[f"t{n}"], authors=[make_author()], publish_at=timezone.now() - dt.timedelta(days=31 * (n % 6))
        )
    assert counts() == few


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the month index is PostgreSQL's")
def test_postgresql_months_agree_with_the_aggregate_and_probe_the_month_index(archive):
    """The index's months come from index probes on PostgreSQL (#12: grouping the whole archive took
    80–110 ms at 100 000 stories): same months and last changes as the plain aggregate SQLite runs."""
    with time_machine.travel(NOW, tick=False):
        # A month whose only story was withdrawn, a scheduled story in the current month, an edit.
        make_article(publish_at=dt.datetime(2025, 3, 3, tzinfo=dt.UTC), withdrawn_at=NOW)
        make_article(publish_at=NOW + dt.timedelta(days=3))
        make_article(
            publish_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
            updated_at=dt.datetime(2026, 11, 30, 23, 59, tzinfo=dt.UTC),
        )
        aggregate = (
            Article.objects.published()
            .annotate(month=TruncMonth("publish_at", tzinfo=dt.UTC))
            .order_by()
            .values("month")
            .annotate(lastmod=Max(sitemaps.last_change()))
            .values_list("month", "lastmod")
        )
        assert sitemaps.months() == sorted(aggregate, key=lambda row: row[0], reverse=True)
        assert [month.month for month, _ in sitemaps.months()] == [12, 11, 10]
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # the test table is tiny: ask for the plan at scale
            cursor.execute(f"EXPLAIN {sitemaps.MONTHS_SQL}", {"now": NOW})
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
    assert "using article_sitemap_month_idx" in plan and "Seq Scan" not in plan, plan
