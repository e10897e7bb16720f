"""sitemap.xml lists exactly the published stories, with URLs from SITE_URL."""

import datetime as dt

import defusedxml.ElementTree as ET
import pytest
from django.utils import timezone

from articles.models import Article, Section
from tests.articles.conftest import PUBLIC_SITE
from tests.factories import make_article

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

SITE = PUBLIC_SITE
SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def stories():
    return {
        "visible": make_article(headline="Visible au Kazakhstan"),
        "europe": make_article(headline="Visible en Europe", section=Section.objects.get(slug="europe")),
        "draft": make_article(headline="Brouillon", status=Article.Status.DRAFT, publish_at=None),
        "future": make_article(headline="Programmé", publish_at=timezone.now() + dt.timedelta(hours=2)),
        "withdrawn": make_article(headline="Retiré", withdrawn_at=timezone.now()),
    }


def test_sitemap_lists_published_only_from_site_url(client, stories):
    response = client.get("/sitemap.xml", HTTP_HOST="backend.internal")
    assert response.status_code == 200
    assert b"backend.internal" not in response.content
    locs = [loc.text for loc in ET.fromstring(response.content).iterfind("sm:url/sm:loc", SM)]
    article_locs = {loc for loc in locs if loc.count("/") == 5}
    assert article_locs == {SITE + stories[key].get_absolute_url() for key in ("visible", "europe")}
    assert f"{SITE}/kazakhstan/" in locs
