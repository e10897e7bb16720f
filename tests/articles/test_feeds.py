"""RSS feeds and sitemap.xml list published stories only."""

import datetime as dt

import defusedxml.ElementTree as ET
import pytest
from django.utils import timezone

from articles.models import Article, Section
from tests.factories import make_article

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def stories():
    return {
        "visible": make_article(headline="Visible au Kazakhstan"),
        "europe": make_article(headline="Visible en Europe", section=Section.objects.get(slug="europe")),
        "draft": make_article(headline="Brouillon", status=Article.Status.DRAFT, publish_at=None),
        "future": make_article(headline="Programmé", publish_at=timezone.now() + dt.timedelta(hours=2)),
        "withdrawn": make_article(headline="Retiré", withdrawn_at=timezone.now()),
    }


def test_feed_lists_published_only(client, stories):
    response = client.get("/rss/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    titles = [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]
    assert titles == ["Visible au Kazakhstan", "Visible en Europe"]


def test_section_feed(client, stories):
    response = client.get("/rss/europe/")
    titles = [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]
    assert titles == ["Visible en Europe"]
    assert client.get("/rss/inconnue/").status_code == 404


def test_sitemap_lists_published_only(client, stories):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locs = [loc.text for loc in ET.fromstring(response.content).iterfind("sm:url/sm:loc", SITEMAP_NS)]
    for key in ("visible", "europe"):
        assert f"http://testserver{stories[key].get_absolute_url()}" in locs
    for key in ("draft", "future", "withdrawn"):
        assert not any(stories[key].slug in loc for loc in locs)
    assert "http://testserver/kazakhstan/" in locs
