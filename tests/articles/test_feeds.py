"""RSS and Atom feeds (site, section, tag, author), read by feedparser as a feed reader would."""

import datetime as dt
import html
import re

import feedparser
import pytest
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Section
from tests.articles.conftest import PUBLIC_SITE
from tests.factories import make_article, make_author, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]

SITE = PUBLIC_SITE


@pytest.fixture
def stories():
    now = timezone.now()
    author = make_author(name="Aigerim Noursoultanova", slug="aigerim")
    dispatch = make_article(
        headline="Dépêche AFP sur Astana",
        standfirst="",
        body="<p>Premier paragraphe de la dépêche.</p><p>Deuxième paragraphe, à ne pas diffuser.</p>",
        source=source("afp"),
        publish_at=now - dt.timedelta(hours=3),
        tags=["énergie"],
    )
    return {
        "visible": make_article(
            headline="Visible au Kazakhstan",
            body="<p>Tout le texte maison.</p>",
            authors=[author],
            tags=["énergie", "diplomatie"],
            publish_at=now - dt.timedelta(hours=1),
            updated_at=now - dt.timedelta(minutes=30),
        ),
        "europe": make_article(
            headline="Visible en Europe",
            section=Section.objects.get(slug="europe"),
            publish_at=now - dt.timedelta(hours=2),
        ),
        "dispatch": dispatch,
        "draft": make_article(headline="Brouillon", status=Article.Status.DRAFT, publish_at=None, tags=["énergie"]),
        "future": make_article(headline="Programmé", publish_at=now + dt.timedelta(hours=2), authors=[author]),
        "withdrawn": make_article(headline="Retiré", withdrawn_at=now, tags=["énergie"]),
    }


def parse(client, url):
    response = client.get(url, HTTP_HOST="backend.internal:8001")
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_site_feed_lists_exactly_the_visible_stories(client, stories, kind):
    response, feed = parse(client, f"/{kind}/")
    expected_type = "application/rss+xml" if kind == "rss" else "application/atom+xml"
    assert response["Content-Type"].startswith(expected_type)
    assert [entry.title for entry in feed.entries] == [
        "Visible au Kazakhstan",
        "Visible en Europe",
        "Dépêche AFP sur Astana",
    ]
    assert [entry.link for entry in feed.entries] == [
        SITE + stories[k].get_absolute_url() for k in ("visible", "europe", "dispatch")
    ]


@pytest.mark.parametrize("kind", ["rss", "atom"])
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("kazakhstan/", ["visible", "dispatch"]),
        ("europe/", ["europe"]),
        ("mots-cles/{energie}/", ["visible", "dispatch"]),
        ("auteurs/aigerim/", ["visible"]),
    ],
)
def test_scoped_feeds(client, stories, kind, path, expected):
    path = path.format(energie=Tag.objects.get(name="énergie").slug)
    _, feed = parse(client, f"/{kind}/{path}")
    assert [entry.link for entry in feed.entries] == [SITE + stories[k].get_absolute_url() for k in expected]


@pytest.mark.parametrize("url", ["/rss/inconnue/", "/atom/mots-cles/inconnu/", "/rss/auteurs/personne/"])
def test_unknown_scope_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_every_url_comes_from_site_url_not_the_request_host(client, stories, kind):
    response, feed = parse(client, f"/{kind}/kazakhstan/")
    assert b"backend.internal" not in response.content
    assert b"testserver" not in response.content
    assert feed.feed.link == f"{SITE}/kazakhstan/"


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_entries_carry_author_categories_and_update_time(client, stories, kind):
    _, feed = parse(client, f"/{kind}/")
    by_title = {entry.title: entry for entry in feed.entries}
    in_house, dispatch = by_title["Visible au Kazakhstan"], by_title["Dépêche AFP sur Astana"]
    assert in_house.author == "Aigerim Noursoultanova"
    assert dispatch.author == "AFP"
    assert sorted(tag.term for tag in in_house.tags) == ["Kazakhstan", "diplomatie", "énergie"]
    updated = dt.datetime(*in_house.updated_parsed[:6], tzinfo=dt.UTC)
    assert abs(updated - stories["visible"].updated_at) < dt.timedelta(seconds=1)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_in_house_full_body_dispatch_first_paragraph_only(client, stories, kind):
    _, feed = parse(client, f"/{kind}/")
    by_title = {entry.title: entry for entry in feed.entries}
    in_house, dispatch = by_title["Visible au Kazakhstan"], by_title["Dépêche AFP sur Astana"]
    assert "Tout le texte maison." in in_house.content[0].value
    assert text_of(dispatch.summary) == "Premier paragraphe de la dépêche."
    assert "content" not in dispatch
    assert "Deuxième paragraphe" not in str(dispatch)


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_plain_text_description_is_not_read_as_html(client, kind):
    """#10: the standfirst is plain text; readers decode the XML once, then read HTML."""
    standfirst = "Le rapport <b>3 < 4</b> & co, entre « guillemets »"
    make_article(headline="Chapô piégé", standfirst=standfirst)
    _, feed = parse(client, f"/{kind}/")
    shown = text_of(feed.entries[0].summary)
    assert shown.replace("\u202f", " ") == standfirst


def test_feed_titles_are_typeset_in_french(client):
    make_article(headline="Pourquoi Astana ? « Un choix » à 1 200 km")
    _, feed = parse(client, "/rss/")
    assert feed.entries[0].title == "Pourquoi Astana\u202f? «\u202fUn choix\u202f» à 1\u202f200\u00a0km"
    assert Article.objects.get().headline == "Pourquoi Astana ? « Un choix » à 1 200 km"


def test_feed_query_count_does_not_grow_with_stories(client, django_assert_max_num_queries):
    for n in range(3):
        make_article(tags=[f"t{n}", "commun"], authors=[make_author()])
    with django_assert_max_num_queries(6) as few:
        client.get("/rss/")
    for n in range(25):
        make_article(tags=[f"u{n}", "commun"], authors=[make_author()])
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/rss/")
