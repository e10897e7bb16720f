"""The « Fil AFP » admin, « Publier tel quel », « Réécrire », and the wire warnings on ArticleAdmin."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from articles import wire
from articles.models import Article
from articles.roles import EDITOR, JOURNALIST
from tests.articles.newsml_factory import SAMPLES
from tests.articles.test_overlap import seed_pair
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/wiredispatch/"
KZA07 = "urn:newsml:afp.com:20231019:TX-PAR-KZA07"


@pytest.fixture
def dispatches():
    for name in ("afp_kazakhstan_v1.xml", "afp_other_story.xml"):
        wire.ingest_file(SAMPLES / name)
    return Article.objects.get(wire_guid=KZA07), Article.objects.get(wire_guid__endswith="UZB12")


@pytest.fixture
def editor_client(client):
    client.force_login(make_user("editrice", groups=[EDITOR]))
    return client


def rows(response):
    return [a.headline for a in response.context["cl"].result_list]


def test_wire_list_newest_first_with_filters(editor_client, dispatches):
    kz, uz = dispatches
    in_house = make_article(headline="Un article maison")
    response = editor_client.get(CHANGELIST)
    assert response.status_code == 200
    assert rows(response) == [uz.headline, kz.headline]  # 24 Oct before 19 Oct; no in-house article
    assert in_house.headline not in response.text
    assert "à valider" in response.text
    assert "Publier tel quel" in response.text and "Réécrire" in response.text
    assert rows(editor_client.get(CHANGELIST, {"pays": "ouzbekistan"})) == [uz.headline]
    assert rows(editor_client.get(CHANGELIST, {"sujet": "diplomatie"})) == [kz.headline]
    assert rows(editor_client.get(CHANGELIST, {"sujet": "environnement"})) == [uz.headline]


def test_journalists_do_not_see_the_wire(client, dispatches):
    client.force_login(make_user("journaliste", groups=[JOURNALIST]))
    assert client.get(CHANGELIST).status_code == 403


def test_dispatch_page_shows_the_agency_note_never_the_form(editor_client):
    wire.ingest_file(SAMPLES / "afp_kazakhstan_v2.xml")
    dispatch = Article.objects.get(wire_guid=KZA07)
    response = editor_client.get(f"{CHANGELIST}{dispatch.pk}/change/")
    assert response.status_code == 200
    assert "Actualise le titre et le premier paragraphe" in response.text
    assert "afpdescription:Energy" in response.text
    assert 'name="headline"' not in response.text  # read-only: rewrite it, or publish it as is


def test_publish_as_is_in_one_click(editor_client, dispatches, client):
    kz, _uz = dispatches
    url = reverse("admin:articles_wiredispatch_publish", args=[kz.pk])
    assert editor_client.get(url).status_code == 405
    response = editor_client.post(url, {"next": CHANGELIST})
    assert response.status_code == 302
    kz.refresh_from_db()
    assert kz.is_published
    assert kz.transitions.filter(to_status=Article.Status.PUBLISHED).exists()
    page = client.get(kz.get_absolute_url())
    assert page.status_code == 200 and "AFP" in page.text


def test_publish_as_is_keeps_an_embargo():
    with time_machine.travel(datetime(2023, 10, 24, 7, 0, tzinfo=UTC), tick=False):
        wire.ingest_file(SAMPLES / "extra" / "afp_embargoed.xml")
        dispatch = Article.objects.get(wire_guid__endswith="UZB13")
        wire.publish_dispatch(dispatch=dispatch, user=make_user(groups=[EDITOR]))
        dispatch.refresh_from_db()
        assert dispatch.is_scheduled
        assert dispatch.publish_at == datetime(2023, 10, 25, 5, 0, tzinfo=UTC)


def test_rewrite_opens_an_in_house_draft_credited_avec_afp(editor_client, dispatches, client):
    kz, _uz = dispatches
    response = editor_client.post(reverse("admin:articles_wiredispatch_rewrite", args=[kz.pk]))
    rewrite = Article.objects.get(based_on=kz)
    assert response.url == reverse("admin:articles_article_change", args=[rewrite.pk])
    assert rewrite.source.slug == "redaction"
    assert rewrite.status == Article.Status.DRAFT
    assert rewrite.wire_guid == ""
    assert (rewrite.headline, rewrite.standfirst, rewrite.body) == (kz.headline, kz.standfirst, kz.body)
    assert (rewrite.section, rewrite.dateline) == (kz.section, kz.dateline)
    assert set(rewrite.tags.names()) == set(kz.tags.names())
    assert rewrite.credit == "avec AFP"
    # Until it is rewritten, the meter says it is a copy.
    form = editor_client.get(response.url)
    assert "100 % du texte repris mot pour mot" in form.text
    assert "c’est une copie" in form.text
    rewrite.publish(user=make_user(groups=[EDITOR]))
    assert "avec AFP" in client.get(rewrite.get_absolute_url()).text


def test_withdrawn_dispatch_cannot_be_published_or_rewritten(editor_client, dispatches):
    kz, _uz = dispatches
    wire.ingest_file(SAMPLES / "afp_kazakhstan_kill.xml")
    editor_client.post(reverse("admin:articles_wiredispatch_publish", args=[kz.pk]))
    editor_client.post(reverse("admin:articles_wiredispatch_rewrite", args=[kz.pk]))
    kz.refresh_from_db()
    assert not kz.is_published and not kz.rewrites.exists()
    response = editor_client.get(CHANGELIST)
    assert "retirée par l’agence" in response.text


def test_rewrite_of_a_withdrawn_dispatch_is_flagged_in_the_list_and_the_form(editor_client, dispatches):
    kz, _uz = dispatches
    rewrite = make_article(headline="La France au cœur de la stratégie kazakhe", based_on=kz)
    other = make_article(headline="Sans dépêche")
    assert "dépêche retirée" not in editor_client.get("/admin/articles/article/").text

    wire.ingest_file(SAMPLES / "afp_kazakhstan_kill.xml")
    listing = editor_client.get("/admin/articles/article/")
    flagged = [line for line in listing.text.splitlines() if "dépêche retirée" in line]
    assert flagged and listing.text.count("⚠ dépêche retirée") == 1
    form = editor_client.get(reverse("admin:articles_article_change", args=[rewrite.pk]))
    messages = [str(m) for m in form.context["messages"]]
    assert any("L’AFP a retiré la dépêche dont cet article est tiré" in m for m in messages)
    assert "D’après une dépêche" in form.text
    plain = editor_client.get(reverse("admin:articles_article_change", args=[other.pk]))
    assert "L’AFP a retiré" not in plain.text


def test_overlap_meter_on_the_seed_rewrite(editor_client):
    _dispatch, rewrite = seed_pair()
    response = editor_client.get(reverse("admin:articles_article_change", args=[rewrite.pk]))
    assert "1 % du texte repris mot pour mot de la dépêche (suites de 8 mots)" in response.text
    assert "c’est une copie" not in response.text
