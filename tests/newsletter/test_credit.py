"""The digest credits a story exactly as its page does (one rule: Article.byline_parts)."""

import re
from html import unescape

import pytest

from newsletter.editions import assemble_edition
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
