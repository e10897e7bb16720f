"""One credit/byline rule (Article.byline_parts) for the page, teasers, the admin and the feeds."""

import re

import pytest
from django.urls import reverse

from articles.roles import EDITOR
from tests.factories import make_article, make_author, make_user, source

pytestmark = pytest.mark.django_db


def text(html):
    return re.sub(r"<[^>]+>", "", html)


def test_dispatch_is_credited_to_its_agency_alone():
    dispatch = make_article(source=source("afp"), byline="Bureau de l’AFP à Tachkent")
    parts = dispatch.byline_parts()
    assert parts.is_dispatch and parts.people == ()
    assert str(parts) == "AFP"


def test_rewrite_names_the_authors_then_the_agency():
    dispatch = make_article(source=source("afp"))
    a, b, c = make_author(name="Aïgerim"), make_author(name="Bakhyt"), make_author(name="Timour")
    rewrite = make_article(based_on=dispatch, authors=[a, b, c])
    parts = rewrite.byline_parts()
    assert parts.names == "Aïgerim, Bakhyt et Timour"
    assert str(parts) == "Par Aïgerim, Bakhyt et Timour, avec AFP"
    assert parts.creator == "Aïgerim, Bakhyt et Timour, avec AFP"
    assert [p.url for p in parts.people] == [x.get_absolute_url() for x in (a, b, c)]


def test_byline_field_replaces_the_authors():
    story = make_article(byline="Notre correspondante", authors=[make_author(name="Aïgerim")])
    assert str(story.byline_parts()) == "Par Notre correspondante"
    assert story.byline_parts().people[0].url == ""


def test_story_without_author_nor_credit_has_an_empty_line():
    assert str(make_article().byline_parts()) == ""


def test_teaser_and_admin_list_use_the_same_credit(client):
    dispatch = make_article(source=source("afp"), credit_line="AFP Asie")
    html = client.get(reverse("articles:home")).text
    teaser = re.search(
        rf"<article class=\"teaser[^>]*>(?:(?!</article>).)*{dispatch.headline}.*?</article>", html, re.S
    )
    assert teaser and "· AFP Asie" in text(teaser.group(0))

    story = make_article(authors=[make_author(name="Aïgerim"), make_author(name="Timour")])
    client.force_login(make_user(groups=[EDITOR]))
    listing = client.get(reverse("admin:articles_article_changelist")).text
    row = next(line for line in listing.split("<tr") if story.headline in line)
    assert "Aïgerim et Timour" in row


def test_feed_items_carry_the_same_byline(client, django_assert_max_num_queries):
    for n in range(3):
        make_article(authors=[make_author(name=f"Autrice {n}")])
    make_article(source=source("afp"))
    with django_assert_max_num_queries(4):
        xml = client.get(reverse("articles:feed")).text
    creators = re.findall(r"<dc:creator[^>]*>(.*?)</dc:creator>", xml)
    assert sorted(creators) == ["AFP", "Autrice 0", "Autrice 1", "Autrice 2"]
