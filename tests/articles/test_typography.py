"""French typography at display: spaces, guillemets, numbers, ordinals; markup, URLs and stored text kept."""

import pytest
from django.utils.safestring import mark_safe

from articles.models import Article
from articles.typography import NBSP, NNBSP, french_html, french_text, typeset
from tests.factories import make_article


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Pourquoi ?", f"Pourquoi{NNBSP}?"),
        ("Enfin !", f"Enfin{NNBSP}!"),
        ("un ; deux", f"un{NNBSP}; deux"),
        ("Il dit : oui", f"Il dit{NBSP}: oui"),
        ("« Oui »", f"«{NNBSP}Oui{NNBSP}»"),
        ("«Oui»", f"«{NNBSP}Oui{NNBSP}»"),
        ("100 MW", f"100{NBSP}MW"),
        ("238 morts", f"238{NBSP}morts"),
        ("1 200 km", f"1{NNBSP}200{NBSP}km"),
        ("12 345 678 habitants", f"12{NNBSP}345{NNBSP}678{NBSP}habitants"),
        ("50 %", f"50{NBSP}%"),
        ("le 2e tour", f"le 2e{NBSP}tour"),
        ("Pourquoi&nbsp;?", f"Pourquoi{NNBSP}?"),
        # Left alone: no space to bind, or not French punctuation spacing.
        ("14:05", "14:05"),
        ("https://example.org/a?b=1 : voir", f"https://example.org/a?b=1{NBSP}: voir"),
        ("en 2023 300 morts", f"en 2023 300{NBSP}morts"),
    ],
)
def test_text_rules(text, expected):
    assert french_text(text) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("le 1er décembre", f"le 1<sup>er</sup>{NBSP}décembre"),
        ("la 1re fois", f"la 1<sup>re</sup>{NBSP}fois"),
        ("le XIXe siècle", "le XIX<sup>e</sup> siècle"),
        ("la Ve République", "la V<sup>e</sup> République"),
        ("François Ier", "François I<sup>er</sup>"),
        # Ordinary words and codes are not ordinals.
        ("Le Ce Lie", "Le Ce Lie"),
        ("#2e2e2e et 1e10", "#2e2e2e et 1e10"),
    ],
)
def test_ordinal_superscripts(html, expected):
    assert french_html(html) == expected


def test_markup_attributes_urls_and_code_are_untouched():
    html = (
        '<p><a href="https://example.org/?q=a ; b&amp;c=1 200" title="Vraiment ?">Lien ?</a> '
        "écrit https://example.org/x?y=1 ! ou contact@example.org : voir</p>"
        "<pre>if (a ? b : c) { 1 200 }</pre><code>x ; y</code><!-- note : 1er -->"
    )
    out = french_html(html)
    assert '<a href="https://example.org/?q=a ; b&amp;c=1 200" title="Vraiment ?">' in out
    assert f"Lien{NNBSP}?</a>" in out
    assert "https://example.org/x?y=1" in out and f"x?y=1{NNBSP}!" in out
    assert f"contact@example.org{NBSP}: voir" in out
    assert "<pre>if (a ? b : c) { 1 200 }</pre><code>x ; y</code><!-- note : 1er -->" in out


@pytest.mark.parametrize(
    "text",
    [
        "« Pourquoi ? » dit-il : 1 200 km, le 1er décembre, au XIXe siècle ; 50 % !",
        "<p>« Oui » : <em>238 morts</em> ; <a href='/x?a=1'>2e</a></p>",
    ],
)
def test_idempotent(text):
    once = french_html(text)
    assert french_html(once) == once
    assert french_text(french_text(text)) == french_text(text)


def test_plain_text_is_escaped_before_typesetting():
    assert typeset("<script>alert(1)</script> ?") == f"&lt;script&gt;alert(1)&lt;/script&gt;{NNBSP}?"
    assert typeset(mark_safe("<b>Oui</b> ?")) == f"<b>Oui</b>{NNBSP}?"


@pytest.mark.django_db
def test_article_page_typeset_with_stored_text_unchanged(client):
    headline = "Pourquoi Astana ? « Un choix » à 1 200 km"
    body = '<p>Le 1er décembre : <a href="https://example.org/a?b=1 ; c">voir ici !</a></p>'
    article = make_article(headline=headline, standfirst="238 morts ; le XIXe siècle", body=body)
    page = client.get(article.get_absolute_url()).content.decode()
    assert f"<h1>Pourquoi Astana{NNBSP}? «{NNBSP}Un choix{NNBSP}» à 1{NNBSP}200{NBSP}km</h1>" in page
    assert f"238{NBSP}morts{NNBSP}; le XIX<sup>e</sup> siècle" in page
    link = '<a href="https://example.org/a?b=1 ; c" rel="noopener noreferrer">'
    assert f"Le 1<sup>er</sup>{NBSP}décembre{NBSP}: {link}voir ici{NNBSP}!</a>" in page
    assert f"<title>Pourquoi Astana{NNBSP}?" in page
    stored = Article.objects.get(pk=article.pk)
    assert stored.headline == headline
    assert "Le 1er décembre : <a" in stored.body
    home = client.get("/").content.decode()
    assert f"Pourquoi Astana{NNBSP}? «{NNBSP}Un choix{NNBSP}»" in home
