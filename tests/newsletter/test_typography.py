"""Email digests are typeset in French like the site; the stored headline is unchanged."""

from html import unescape

import pytest

from articles.models import Article
from newsletter import sending
from tests.factories import make_article
from tests.newsletter.helpers import daily

pytestmark = pytest.mark.django_db


def test_digest_headlines_and_standfirsts_are_typeset():
    headline = "Pourquoi Astana ? « Un choix » à 1 200 km"
    make_article(headline=headline, standfirst="238 morts ; le XIXe siècle")
    variant = sending.EditionRenderer(sending.assemble_edition(newsletter=daily())).variant()
    html = unescape(variant.html)  # the CSS inliner writes U+00A0 as &nbsp;
    assert "Pourquoi Astana\u202f? «\u202fUn choix\u202f» à 1\u202f200\u00a0km</a>" in html
    assert "238\u00a0morts\u202f; le XIX<sup>e</sup> siècle" in html
    assert "Pourquoi Astana\u202f? «\u202fUn choix\u202f» à 1\u202f200\u00a0km" in variant.text
    assert "<sup>" not in variant.text
    assert Article.objects.get().headline == headline
