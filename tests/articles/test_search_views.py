"""The public search page, the OpenSearch description and the admin lists searching with the engine."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from articles.models import Article, WireDispatch
from articles.roles import CHIEF_EDITOR, EDITOR
from tests.factories import make_article, make_user, source

pytestmark = pytest.mark.django_db
URL = "/recherche/"


def get(client, **params):
    return client.get(URL, params)


def text(client, **params):
    """The results page as a reader reads it: markup (and so highlighting) removed."""
    return html.unescape(strip_tags(get(client, **params).content.decode()))


def test_search_box_on_every_page_works_without_javascript(client):
    make_article(headline="Le barrage de Rogoun franchit une étape")
    home = client.get("/").content.decode()
    assert 'action="/recherche/"' in home and 'name="q"' in home
    assert 'rel="search" type="application/opensearchdescription+xml"' in home
    page = get(client, q="Rogun").content.decode()
    assert "<mark>Rogoun</mark>" in page
    # The query stays in both boxes (header and page).
    assert page.count('value="Rogun"') == 2


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    assert "/recherche/?q={searchTerms}" in response.content.decode()


def test_count_pagination_keeps_the_query_and_filters(client):
    kz = "kazakhstan"
    for n in range(23):
        make_article(headline=f"Steppe numéro {n}", publish_at=timezone.now() - timezone.timedelta(days=n + 1))
    make_article(headline="Steppe ailleurs", section=make_section_other())
    assert "23 résultats pour « steppe »" in text(client, q="steppe", rubrique=kz)
    page = get(client, q="steppe", rubrique=kz).content.decode()
    assert page.count('class="teaser"') == 20
    assert "page=2" in page and "rubrique=kazakhstan" in page
    second = get(client, q="steppe", rubrique=kz, page=2).content.decode()
    assert second.count('class="teaser"') == 3


def make_section_other():
    from articles.models import Section

    return Section.objects.get(slug="europe")


def test_source_and_date_filters(client):
    afp = make_article(headline="Crue du Syr-Daria", source=source("afp"))
    old = make_article(headline="Crue ancienne du Syr-Daria", publish_at=timezone.now() - timezone.timedelta(days=400))
    inhouse = make_article(headline="Crue du Syr Darya vue par la rédaction")
    page = text(client, q="Syr Darya", source="afp")
    assert afp.headline in page and inhouse.headline not in page
    since = (timezone.localdate() - timezone.timedelta(days=30)).isoformat()
    page = text(client, q="crue", du=since)
    assert old.headline not in page and afp.headline in page


def test_filters_keep_what_the_reader_chose_and_say_what_was_wrong(client):
    """The filter boxes are written by search.html, not by Django's widget templates (docs/search.md)."""
    make_article(headline="Crue du Syr-Daria")
    page = get(client, q="crue", rubrique="europe", source="afp", du="2024-13-45", tri="date").content.decode()
    assert '<option value="europe" selected>Europe</option>' in page
    assert '<option value="afp" selected>AFP</option>' in page
    assert '<option value="date" selected>date</option>' in page
    assert 'name="du" value="2024-13-45" aria-invalid="true" aria-describedby="id_du_error"' in page
    assert '<ul class="errorlist" id="id_du_error"><li>Saisissez une date valide.</li></ul>' in page
    unfiltered = get(client, q="crue").content.decode()
    assert '<option value="" selected>Toutes les rubriques</option>' in unfiltered
    assert "aria-invalid" not in unfiltered


def test_sort_switch(client):
    older = make_article(headline="Pamir Pamir Pamir", publish_at=timezone.now() - timezone.timedelta(days=20))
    newer = make_article(headline="Une route", body="<p>Vers le Pamir.</p>")
    by_date = text(client, q="Pamir", tri="date")
    assert by_date.index(newer.headline) < by_date.index(older.headline)
    assert 'aria-current="true">date' in get(client, q="Pamir", tri="date").content.decode()


def test_no_result_shows_latest_stories_and_a_suggestion(client):
    make_article(headline="Tokaïev reçoit Macron", body="<p>Kassym-Jomart Tokaïev à Astana.</p>")
    latest = make_article(headline="Dernière nouvelle du jour")
    page = text(client, q="Tokaev")
    assert "Aucun article ne correspond à « Tokaev »" in page
    assert latest.headline in page
    if connection.vendor == "postgresql":
        assert "Essayez plutôt : Tokaïev" in " ".join(page.split())
        assert "?q=Toka%C3%AFev" in get(client, q="Tokaev").content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "x" * 10_000},
        {"q": "mot " * 2_500},
        {"q": "& | ! ( ) : * '"},
        {"q": '"barrage de'},
        {"q": "barrage\x00Rogoun"},
        {"q": "\u202e\u200b\ufeff𝔗𝔬𝔨𝔞ï𝔢𝔳 🇰🇿 ﷽"},
        {"q": "-"},
        {"q": "barrage", "page": "abc"},
        {"q": "barrage", "page": "999999"},
        {"q": "barrage", "page": "-1"},
        {"q": "barrage", "du": "2024-13-45", "au": "hier"},
        {"q": "barrage", "du": "9999-12-31"},
        {"q": "barrage", "rubrique": "nulle-part", "source": "'; --", "tri": "<script>"},
        {"rubrique": "kazakhstan"},
        {"q": "barrage", "rubrique": "\x00", "source": "\x00", "du": "\x00", "tri": "\x00", "page": "\x00"},
    ],
)
def test_bad_input_gets_a_page_never_a_500(client, params):
    make_article(headline="Le barrage de Rogoun")
    response = get(client, **params)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_long_query_is_cut_and_said(client):
    page = text(client, q="barrage " * 100)
    assert "seuls ses 200 premiers caractères" in page


def test_operator_only_query_says_there_is_nothing_to_search(client):
    page = get(client, q="& | ! ( ) : * '").content.decode()
    assert "aucun mot à chercher" in page


def test_query_count_does_not_grow_with_results(client, django_assert_max_num_queries):
    make_article(headline="Oasis de Khiva")
    get(client, q="oasis")  # warm caches that hold across requests (sections, variants)

    def count_queries(q):
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert get(client, q=q).status_code == 200
        return len(captured)

    few = count_queries("oasis")
    for n in range(30):
        make_article(headline=f"Oasis numéro {n}", tags=["désert", f"oasis-{n}"])
    assert count_queries("oasis") == few


def test_results_change_by_the_next_request(client, django_capture_on_commit_callbacks):
    editor = make_user(groups=["Éditeur"])
    story = make_article(headline="Caravansérail restauré à Boukhara")
    assert story.headline in text(client, q="caravansérail")  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        story.unpublish(user=editor)
    assert "Aucun article ne correspond" in text(client, q="caravansérail")
    story = Article.objects.get(pk=story.pk)
    with django_capture_on_commit_callbacks(execute=True):
        story.back_to_draft(user=editor)
        story.headline = "Caravansérail restauré à Khiva"
        story.save()
        story.publish(user=editor)
    assert "Caravansérail restauré à Khiva" in text(client, q="caravanserail")


def test_withdrawn_dispatch_drops_out_by_the_next_request(client, django_capture_on_commit_callbacks):
    from articles import wire
    from tests.articles.newsml_factory import SAMPLES

    with django_capture_on_commit_callbacks(execute=True):
        wire.ingest_file(SAMPLES / "afp_kazakhstan_v1.xml", auto_publish=True)
    dispatch = Article.objects.get(source__slug="afp")
    word = dispatch.headline.split()[-1]
    assert dispatch.headline in text(client, q=word)  # and now in the page cache
    with django_capture_on_commit_callbacks(execute=True):
        wire.ingest_file(SAMPLES / "afp_kazakhstan_kill.xml")
    assert Article.objects.get(pk=dispatch.pk).withdrawn_at is not None
    assert dispatch.headline not in text(client, q=word)


def test_admin_lists_search_with_the_engine_drafts_included(client):
    chief = make_user(groups=[CHIEF_EDITOR])
    client.force_login(chief)
    draft = make_article(
        headline="Brouillon d’hier",
        body="<p>Une enquête sur les Énergies solaires à Noukous.</p>",
        status=Article.Status.DRAFT,
        publish_at=None,
    )
    make_article(headline="Autre chose")
    page = client.get(reverse("admin:articles_article_changelist"), {"q": "energie nukus"}).content.decode()
    assert draft.headline in page and "Autre chose" not in page
    dispatch = make_article(
        headline="Les éleveurs d’Och", source=source("afp"), wire_guid="urn:newsml:afp.com:20261201:ABC"
    )
    wire = reverse(f"admin:articles_{WireDispatch._meta.model_name}_changelist")
    assert dispatch.headline in client.get(wire, {"q": "Osh"}).content.decode()
    assert dispatch.headline in client.get(wire, {"q": "urn:newsml:afp.com:20261201:ABC"}).content.decode()


def test_count_stops_at_the_limit_and_says_so(client, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "MAX_RESULTS", 3)
    for n in range(5):
        make_article(headline=f"Yourte numéro {n}")
    page = text(client, q="yourte")
    assert "Plus de 3 résultats pour « yourte »" in " ".join(page.split())
    assert get(client, q="yourte").content.decode().count('class="teaser"') == 3


def test_search_pages_carry_the_search_key_every_story_change_purges(client):
    from articles.cache import article_keys, purge_keys

    story = make_article(headline="Transhumance dans le Pamir")
    assert story.headline in text(client, q="transhumance")  # now cached
    Article.objects.filter(pk=story.pk).update(headline="Transhumance dans l’Alaï")
    assert "Alaï" not in text(client, q="transhumance")  # still the cached copy
    purge_keys(article_keys(Article.objects.get(pk=story.pk)), hard=True)
    assert "Transhumance dans l’Alaï" in text(client, q="transhumance")


def test_a_variant_saved_in_the_admin_changes_results_and_purges_only_search_pages(
    client, django_capture_on_commit_callbacks
):
    """Editing the variants table used to empty the whole page cache: every page rebuilt at once."""
    story = make_article(headline="Fête à Tcholpon-Ata", body="<p>Au bord du lac.</p>")
    client.get("/")  # cached
    assert "Aucun article ne correspond" in text(client, q="Cholpon")  # cached too
    make_article(headline="Publiée en douce")  # its purge is never run: only the cached home page hides it
    staff = client.__class__()
    staff.force_login(make_user(groups=[EDITOR], is_staff=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            reverse("admin:articles_searchvariant_add"),
            {"name": "Tcholpon-Ata", "spellings": "Tcholpon\nCholpon", "note": ""},
        )
    assert response.status_code == 302
    results = text(client, q="Cholpon")
    assert "Aucun article ne correspond" not in results and story.headline in results  # purged
    assert "Publiée en douce" not in client.get("/").text  # the home page was not
