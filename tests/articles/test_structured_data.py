"""JSON-LD read back from the pages, field by field, as a search engine parses it."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from articles.cache import purge_public_pages
from articles.models import Section
from articles.roles import EDITOR
from tests.articles.conftest import PUBLIC_SITE as SITE
from tests.factories import make_article, make_author, make_user, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
PUBLISHED = dt.datetime(2023, 10, 19, 12, 5, tzinfo=dt.UTC)


def blocks(client, url):
    response = client.get(url, HTTP_HOST="backend.internal")
    assert response.status_code == 200
    return [json.loads(text) for text in LD.findall(response.text)], response.text


def of_type(found, kind):
    (match,) = [block for block in found if block.get("@type") == kind]
    return match


@pytest.fixture
def dispatch():
    return make_article(
        headline="Emmanuel Macron attendu début novembre au Kazakhstan",
        standfirst="",
        body="<p>Le président français est attendu à Astana.</p><p>Suite.</p>",
        source=source("afp"),
        wire_guid="urn:newsml:afp.com:20231019:TX-PAR-ABC12",
        publish_at=PUBLISHED,
        dateline="Astana",
        tags=["diplomatie"],
    )


def test_dispatch(client, dispatch):
    found, _ = blocks(client, dispatch.get_absolute_url())
    article = of_type(found, "NewsArticle")
    url = SITE + dispatch.get_absolute_url()
    assert article["@context"] == "https://schema.org"
    assert article["headline"] == "Emmanuel Macron attendu début novembre au Kazakhstan"
    assert article["description"] == "Le président français est attendu à Astana."
    assert article["datePublished"] == "2023-10-19T14:05:00+02:00"
    assert article["dateModified"] == "2023-10-19T14:05:00+02:00"
    assert article["author"] == [{"@type": "Organization", "name": "AFP"}]
    assert article["publisher"]["@type"] == "NewsMediaOrganization"
    assert article["publisher"]["url"] == f"{SITE}/"
    assert article["publisher"]["logo"]["url"].startswith(f"{SITE}/static/img/logo")
    assert article["image"] == [f"{SITE}/static/img/partage.png"]
    assert article["articleSection"] == "Kazakhstan"
    assert article["keywords"] == ["diplomatie"]
    assert article["inLanguage"] == "fr"
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["url"] == url
    assert "isBasedOn" not in article and "correction" not in article
    trail = of_type(found, "BreadcrumbList")["itemListElement"]
    assert [(item["position"], item["item"]) for item in trail] == [
        (1, f"{SITE}/"),
        (2, f"{SITE}/kazakhstan/"),
        (3, url),
    ]


def test_in_house_story(client):
    authors = [make_author(name="Aigerim N.", slug="aigerim"), make_author(name="Pierre D.", slug="pierre")]
    story = make_article(
        headline="La France au cœur de la stratégie kazakhe",
        standfirst="Un chapô.",
        authors=authors,
        tags=["énergie", "diplomatie"],
        section=Section.objects.get(slug="europe"),
        publish_at=PUBLISHED,
    )
    article = of_type(blocks(client, story.get_absolute_url())[0], "NewsArticle")
    assert article["description"] == "Un chapô."
    assert article["author"] == [
        {"@type": "Person", "name": "Aigerim N.", "url": f"{SITE}/auteurs/aigerim/"},
        {"@type": "Person", "name": "Pierre D.", "url": f"{SITE}/auteurs/pierre/"},
    ]
    assert article["keywords"] == ["diplomatie", "énergie"]
    assert article["articleSection"] == "Europe"


def test_rewrite_points_at_dispatch_url_then_wire_id(client, dispatch):
    rewrite = make_article(based_on=dispatch, byline="Notre correspondante", publish_at=PUBLISHED)
    article = of_type(blocks(client, rewrite.get_absolute_url())[0], "NewsArticle")
    assert article["isBasedOn"] == SITE + dispatch.get_absolute_url()
    assert article["author"] == [{"@type": "Person", "name": "Notre correspondante"}]
    dispatch.withdrawn_at = timezone.now()
    dispatch.save()
    purge_public_pages()  # as the wire withdrawal does
    article = of_type(blocks(client, rewrite.get_absolute_url())[0], "NewsArticle")
    assert article["isBasedOn"] == "urn:newsml:afp.com:20231019:TX-PAR-ABC12"


def test_corrected_story_moves_date_modified(client):
    story = make_article(publish_at=timezone.now() - dt.timedelta(days=1))
    editor = make_user(groups=[EDITOR])
    correction = story.correct(user=editor, wrong="238 morts", right="Il y a eu 236 morts, non 238.")
    found, html = blocks(client, story.get_absolute_url())
    article = of_type(found, "NewsArticle")
    modified = timezone.localtime(correction.created_at).isoformat()
    assert article["dateModified"] == modified
    assert article["datePublished"] != modified
    assert article["correction"] == [
        {"@type": "CorrectionComment", "text": "Il y a eu 236 morts, non 238.", "datePublished": modified}
    ]
    assert f'<meta property="article:modified_time" content="{modified}">' in html


def test_hostile_headline_cannot_leave_the_data_block(client):
    headline = 'Fin </script><script>alert(1)</script> <!-- et & " '
    story = make_article(headline=headline, standfirst="</SCRIPT> chapô")
    found, html = blocks(client, story.get_absolute_url())
    assert of_type(found, "NewsArticle")["headline"] == headline
    assert of_type(found, "NewsArticle")["description"] == "</SCRIPT> chapô"
    assert "<script>alert(1)" not in html
    assert html.count("</script>") == len(found)


def test_home_declares_website_with_search_and_organisation(client):
    (graph,) = blocks(client, "/")[0]
    site, org = graph["@graph"]
    assert site["@type"] == "WebSite" and site["url"] == f"{SITE}/"
    assert site["potentialAction"]["target"]["urlTemplate"] == f"{SITE}/recherche/?q={{search_term_string}}"
    assert site["potentialAction"]["query-input"] == "required name=search_term_string"
    assert org["@type"] == "NewsMediaOrganization" and org["logo"]["width"] == 512


def test_listings_are_collection_pages_of_their_stories(client):
    author = make_author(slug="aigerim")
    stories = [make_article(tags=["énergie"], authors=[author]) for _ in range(3)]
    from taggit.models import Tag

    tag_slug = Tag.objects.get(name="énergie").slug
    for path in ("/kazakhstan/", f"/mots-cles/{tag_slug}/", "/auteurs/aigerim/"):
        (page,) = blocks(client, path)[0]
        assert page["@type"] == "CollectionPage"
        assert page["url"] == SITE + path
        listed = [item["url"] for item in page["mainEntity"]["itemListElement"]]
        assert listed == [SITE + story.get_absolute_url() for story in stories]
