"""The overlap meter: how much of a rewrite is copied word for word from its dispatch."""

from pathlib import Path

import pytest
from django.conf import settings

from articles import overlap
from articles.models import Article
from tests.factories import make_article, source


def seeds_dir():
    """The founding texts: the demo copy in the repository, else ../shared/seeds beside it."""
    ours = Path(settings.BASE_DIR) / "articles" / "demo" / "seeds"
    return ours if ours.is_dir() else Path(settings.BASE_DIR).parent / "shared" / "seeds"


def as_html(lines, intertitles):
    return "\n".join(f"<h2>{line}</h2>" if line in intertitles else f"<p>{line}</p>" for line in lines)


def seed_pair():
    """(dispatch, rewrite) built from the seeds as the site stores them: standfirst + body HTML."""
    afp = (seeds_dir() / "afp_macron_kazakhstan.txt").read_text(encoding="utf-8").splitlines()
    assert afp[-1] == "AFP"  # the credit line, not text
    afp_lines = afp[:-1]
    dispatch = make_article(
        headline="Emmanuel Macron attendu début novembre au Kazakhstan",
        standfirst=afp_lines[0],
        body=as_html(
            afp_lines[1:],
            {"Rapprochement avec l’Union européenne", "Un président qui a réprimé violemment des émeutes"},
        ),
        source=source("afp"),
        wire_guid="urn:seed:afp",
    )
    inhouse = [line for line in (seeds_dir() / "inhouse_macron_kazakhstan.txt").read_text("utf-8").splitlines() if line]
    headline, _keywords, standfirst, *body = inhouse
    assert body[-2:] == ["Newsletter", "Pour rester informé des actualités de l’Asie centrale"]  # the sign-up box
    rewrite = make_article(
        headline=headline,
        standfirst=standfirst,
        body=as_html(
            body[:-2],
            {
                "L’Europe et l’Asie, une intersection franco-kazakhe",
                "Des enjeux économiques et stratégiques au cœur de la coopération",
            },
        ),
        based_on=dispatch,
    )
    return dispatch, rewrite


@pytest.mark.django_db
def test_seed_rewrite_is_a_rewrite_not_a_copy():
    _dispatch, rewrite = seed_pair()
    ratio = overlap.article_overlap(rewrite)
    # The in-house piece retells the dispatch in its own words; 5 of its ~383 eight-word sequences
    # are the dispatch's verbatim (« à l’invitation du président Kassym-Jomart Tokaïev », « position
    # stratégique entre l’Europe et l’Asie », « depuis l’invasion russe de l’Ukraine », « à la
    # construction de la première centrale nucléaire », « visite du président Tokaïev à Paris, les deux »),
    # i.e. about 1.3 %. Above 0.5 % proves the meter sees those borrowings; below 3 % keeps a margin for
    # an edited line or two while staying a tenth of the 30 % warning threshold: a rewrite, not a copy.
    assert 0.005 < ratio < 0.03
    assert not overlap.is_copy(ratio)


@pytest.mark.django_db
def test_seed_dispatch_against_itself_is_a_full_copy():
    dispatch, _rewrite = seed_pair()
    copy = make_article(standfirst=dispatch.standfirst, body=dispatch.body, based_on=dispatch)
    assert overlap.article_overlap(copy) == 1.0
    assert overlap.is_copy(1.0)


def test_normalisation_ignores_case_punctuation_tags_and_keeps_accents():
    words = overlap.words("<p>L’État, « Kassym-Jomart » TOKAÏEV&nbsp;a dit&#160;: <em>oui</em>.</p>")
    assert words == ["l", "état", "kassym", "jomart", "tokaïev", "a", "dit", "oui"]
    assert overlap.words("ETAT") != overlap.words("État")


def test_overlap_counts_the_share_of_the_rewrites_sequences():
    dispatch = " ".join(f"mot{i}" for i in range(40))
    assert overlap.overlap(dispatch, dispatch) == 1.0
    assert overlap.overlap("un deux trois quatre cinq six sept huit neuf", dispatch) == 0.0
    # 8 copied words then 8 new ones: 1 of the 9 sequences is the dispatch's.
    half = " ".join([f"mot{i}" for i in range(8)] + [f"neuf{i}" for i in range(8)])
    assert overlap.overlap(half, dispatch) == pytest.approx(1 / 9)
    assert overlap.overlap("trop court", dispatch) is None


@pytest.mark.django_db
def test_no_dispatch_no_figure():
    assert overlap.article_overlap(make_article()) is None
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_overlap_on_the_demo_seed_pair(admin_client):
    """The same figure on the pair as `load_demo` stores it, and on its admin form."""
    import io

    from django.core.management import call_command
    from django.urls import reverse

    call_command("load_demo", stdout=io.StringIO(), no_renditions=True)
    rewrite = Article.objects.get(headline="La France au cœur de la stratégie kazakhe")
    assert rewrite.based_on is not None and rewrite.based_on.source.is_agency
    ratio = overlap.article_overlap(rewrite)
    assert 0.005 < ratio < 0.03  # see test_seed_rewrite_is_a_rewrite_not_a_copy
    page = admin_client.get(reverse("admin:articles_article_change", args=[rewrite.pk])).text
    assert f"{round(ratio * 100)} % du texte repris mot pour mot" in page
