"""The digest credits a story as its page does (one rule: Article.byline_parts) and dates its subject in French."""

import datetime as dt
import re
from html import unescape

import pytest

from newsletter.editions import assemble_edition, default_subject
from newsletter.rendering import EditionRenderer
from tests.factories import make_article, make_author, source
from tests.newsletter.helpers import daily

pytestmark = pytest.mark.django_db


def test_digest_and_page_join_authors_and_credit_the_same_way(client):
    dispatch = make_article(headline="Dépêche sur Astana", source=source("afp"))
    authors = [make_author(name="Aïgerim Nurlanovna"), make_author(name="Timour Rakhimov")]
    story = make_article(headline="Astana reçoit Paris", based_on=dispatch, authors=authors)
    page = client.get(story.get_absolute_url()).text
    byline = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r'class="byline".*?</p>', page, re.S).group(0)))
    variant = EditionRenderer(assemble_edition(newsletter=daily())).variant()
    expected = "Par Aïgerim Nurlanovna et Timour Rakhimov, avec AFP"
    assert expected in unescape(byline)
    assert expected in unescape(variant.html).replace("\u00a0", " ") and expected in variant.text.replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC), "L’essentiel de l’Asie centrale — 1er décembre 2026"),
        (dt.datetime(2026, 12, 2, 6, 0, tzinfo=dt.UTC), "L’essentiel de l’Asie centrale — 2 décembre 2026"),
    ],
)
def test_edition_subjects_write_the_first_of_the_month_as_1er(when, expected):
    newsletter = daily()
    assert default_subject(newsletter, when) == expected.replace("L’essentiel de l’Asie centrale", newsletter.name)
