"""AFP NewsML-G2 ingest: every sample of newsml/, versions, withdrawals, embargoes, hostile input."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from reversion.models import Version

from articles import wire
from articles.models import Article, Correction, Section, SubjectMapping, WireWithdrawal
from tests.articles.crawl import fetch
from tests.articles.newsml_factory import SAMPLES, news_item, news_message, write
from tests.factories import make_article

pytestmark = pytest.mark.django_db

KZA07 = "urn:newsml:afp.com:20231019:TX-PAR-KZA07"
UZB12 = "urn:newsml:afp.com:20231024:TX-PAR-UZB12"
SHARED = Path(settings.BASE_DIR).parent / "shared" / "newsml"
Outcome = wire.Outcome

# Each sample ingested alone on an empty database: outcome and a word of the reason.
EXPECTED = {
    "afp_kazakhstan_v1.xml": (Outcome.CREATED, "Brouillon"),
    "afp_kazakhstan_v2.xml": (Outcome.CREATED, "Brouillon"),
    "afp_kazakhstan_kill.xml": (Outcome.WITHDRAWN, "jamais importée"),
    "afp_other_story.xml": (Outcome.CREATED, "Brouillon"),
    "extra/afp_embargoed.xml": (Outcome.CREATED, "Brouillon"),
    "malformed/billion_laughs.xml": (Outcome.REJECTED, "DTD"),
    "malformed/missing_guid.xml": (Outcome.REJECTED, "guid"),
    "malformed/truncated.xml": (Outcome.REJECTED, "XML mal formé"),
    "malformed/xss_body.xml": (Outcome.CREATED, "Brouillon"),
}


def ingest(name, **kwargs):
    return wire.ingest_file(SAMPLES / name, **kwargs)


def ingest_one(name, **kwargs):
    results = ingest(name, **kwargs)
    assert len(results) == 1
    return results[0]


def snapshot():
    """Everything an ingest may write, to compare two runs."""
    return (
        list(Article.objects.order_by("pk").values()),
        sorted((a.pk, sorted(a.tags.names())) for a in Article.objects.all()),
        list(WireWithdrawal.objects.order_by("pk").values()),
        Version.objects.count(),
        Correction.objects.count(),
    )


def test_repository_copy_of_the_samples_matches_shared():
    if not SHARED.is_dir():
        pytest.skip("../shared/newsml is not beside the repository")
    shared = {p.relative_to(SHARED): p.read_bytes() for p in SHARED.rglob("*.xml")}
    ours = {p.relative_to(SAMPLES): p.read_bytes() for p in SAMPLES.rglob("*.xml")}
    assert ours == shared


def test_every_sample_has_an_expected_outcome():
    assert {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*.xml")} == set(EXPECTED)


@pytest.mark.parametrize(("name", "expected"), EXPECTED.items())
def test_each_sample_alone(name, expected):
    outcome, reason = expected
    result = ingest_one(name)
    assert (result.outcome, result.file) == (outcome, str(SAMPLES / name))
    assert reason in result.reason
    if outcome == Outcome.REJECTED:
        # Nothing of a rejected item is written.
        assert not Article.objects.exists()
        assert not WireWithdrawal.objects.exists()


def test_billion_laughs_is_refused_not_expanded():
    result = ingest_one("malformed/billion_laughs.xml")
    assert result.outcome == Outcome.REJECTED
    assert "lol" not in result.reason
    assert not Article.objects.filter(wire_guid__endswith="EVIL1").exists()


def test_v1_maps_every_field():
    ingest_one("afp_kazakhstan_v1.xml")
    article = Article.objects.get(wire_guid=KZA07)
    assert article.headline == "Emmanuel Macron attendu début novembre au Kazakhstan"
    assert article.slug == "france-kazakhstan-diplomatie-energie"
    # No description: the first paragraph is the standfirst and leaves the body.
    assert article.standfirst.startswith("Le chef de l’État est attendu début novembre au Kazakhstan")
    assert article.body.startswith("<p>« Le 1er novembre, à l’invitation du président Kassym-Jomart Tokaïev")
    assert "<h2>Rapprochement avec l’Union européenne</h2>" in article.body
    assert "<h2>Un président qui a réprimé violemment des émeutes</h2>" in article.body
    assert article.body.count("<p>") == 8
    assert "<title>" not in article.body
    assert (article.dateline, article.byline, article.credit_line, article.language) == ("Astana", "", "AFP", "fr")
    assert article.source.slug == "afp"
    assert article.credit == "AFP"
    assert article.section.slug == "kazakhstan"
    assert (article.wire_guid, article.wire_version) == (KZA07, 1)
    assert article.wire_first_created == datetime(2023, 10, 19, 8, 47, 12, tzinfo=UTC)
    assert article.wire_version_created == datetime(2023, 10, 19, 8, 47, 12, tzinfo=UTC)
    assert article.updated_at is None
    # Default: a draft « à valider », never on the site until an editor publishes it.
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()
    # Media topics through SubjectMapping, plus the keywords; unmapped subjects kept on the article.
    assert set(article.tags.names()) >= {"politique", "diplomatie", "économie", "France", "Kazakhstan", "énergie"}
    assert {"qcode": "afpdescription:Energy", "name": "Énergie"} in article.wire_meta["subjects"]
    assert {"qcode": "subj:04005000", "name": "energy and resource"} in article.wire_meta["subjects"]
    assert article.wire_meta["countries"] == ["KZ", "FR"]
    assert article.wire_meta["dateline"] == "Astana, 19 oct 2023 (AFP)"


def test_description_is_the_standfirst_and_references_are_decoded():
    ingest_one("afp_other_story.xml")
    article = Article.objects.get(wire_guid=UZB12)
    assert article.standfirst.startswith("L’Ouzbékistan veut généraliser l’irrigation économe")
    assert article.body.startswith("<p>L’Ouzbékistan, pays le plus peuplé d’Asie centrale")
    assert "«\xa0Chaque goutte" in article.body
    assert "sécurité énergétique &amp; hydrique" in article.body
    assert article.byline == "Bureau de l’AFP à Tachkent"
    assert article.section.slug == "ouzbekistan"
    assert "environnement" in article.tags.names()


@override_settings(WIRE_AUTO_PUBLISH=True)
def test_auto_publish_setting_publishes_at_the_agency_time(client):
    ingest_one("afp_other_story.xml")
    article = Article.objects.published().get()
    assert article.publish_at == datetime(2023, 10, 24, 6, 31, 9, tzinfo=UTC)
    assert client.get(article.get_absolute_url()).status_code == 200


def test_command_option_overrides_the_setting():
    call_command("ingest_newsml", str(SAMPLES / "afp_other_story.xml"), "--publish", stdout=io.StringIO())
    assert Article.objects.published().count() == 1


def test_xss_body_is_imported_with_every_hostile_part_removed(client):
    result = ingest_one("malformed/xss_body.xml", auto_publish=True)
    assert result.outcome == Outcome.CREATED
    article = Article.objects.get(pk=result.article_id)
    body = article.body.lower()
    for hostile in ("<script", "<iframe", "<svg", "<style", "<img", "onload", "onclick", "onerror", "onmouseover"):
        assert hostile not in body
    assert "style=" not in body and "javascript:" not in body and "evil.example" not in body
    assert article.standfirst == "Premier paragraphe légitime."
    assert "<p>Dernier paragraphe légitime.</p>" in article.body
    assert "<h2>Intertitre</h2>" in article.body
    assert '<a href="https://www.afp.com/"' in article.body
    assert "lien piégé" in article.body
    # The headline is text: kept as sent, escaped on the page.
    assert article.headline == 'Titre <script>alert("titre")</script> à échapper'
    page = client.get(article.get_absolute_url()).text
    assert "<h1>Titre &lt;script&gt;alert(&quot;titre&quot;)&lt;/script&gt; à échapper</h1>" in page
    assert "<script>alert" not in page
    assert "javascript:alert" not in page and "onerror" not in page


def test_whole_folder_twice_changes_nothing():
    out = io.StringIO()
    with pytest.raises(CommandError, match="3 élément"):
        call_command("ingest_newsml", str(SAMPLES), stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(EXPECTED) + 1  # one line per item, then the summary
    assert any("missing_guid.xml" in line and "guid manquant" in line for line in lines)
    assert any("truncated.xml" in line and "XML mal formé" in line for line in lines)
    assert any("billion_laughs.xml" in line and "DTD" in line for line in lines)
    assert "3 rejetée" in lines[-1]
    first = snapshot()

    results = list(wire.ingest_paths([SAMPLES]))
    assert {r.outcome for r in results} == {Outcome.UNCHANGED, Outcome.REJECTED}
    assert snapshot() == first
    with pytest.raises(CommandError):
        call_command("ingest_newsml", str(SAMPLES), stdout=io.StringIO())
    assert snapshot() == first
    # In name order the kill comes first: the story never appears, v1 and v2 are refused by its tombstone.
    assert not Article.objects.filter(wire_guid=KZA07).exists()
    assert Article.objects.count() == 3


def test_v1_then_v2_updates_in_place_with_a_revision_of_v1(client):
    assert ingest_one("afp_kazakhstan_v1.xml", auto_publish=True).outcome == Outcome.CREATED
    article = Article.objects.get(wire_guid=KZA07)
    url = article.get_absolute_url()

    result = ingest_one("afp_kazakhstan_v2.xml", auto_publish=True)
    assert result.outcome == Outcome.UPDATED
    assert Article.objects.filter(wire_guid=KZA07).count() == 1
    article.refresh_from_db()
    assert article.headline == "Emmanuel Macron attendu le 1er novembre au Kazakhstan"
    assert article.standfirst.startswith("Le président Emmanuel Macron est attendu le 1er novembre")
    assert article.wire_version == 2
    assert article.updated_at == datetime(2023, 10, 19, 9, 15, 40, tzinfo=UTC)
    assert article.publish_at == datetime(2023, 10, 19, 8, 47, 12, tzinfo=UTC)
    assert article.get_absolute_url() == url

    versions = Version.objects.get_for_object(article)  # newest first
    assert len(versions) == 2
    assert versions[1].field_dict["headline"] == "Emmanuel Macron attendu début novembre au Kazakhstan"
    assert versions[1].field_dict["wire_version"] == 1
    assert versions[0].field_dict["headline"] == article.headline

    page = client.get(url)
    assert page.status_code == 200
    assert "Emmanuel Macron attendu le 1er novembre au Kazakhstan" in page.text
    assert "Mis à jour le" in page.text
    # v1 again, or v2 again: nothing moves.
    assert ingest_one("afp_kazakhstan_v1.xml").outcome == Outcome.UNCHANGED
    assert ingest_one("afp_kazakhstan_v2.xml").outcome == Outcome.UNCHANGED
    assert len(Version.objects.get_for_object(article)) == 2


def test_lower_version_after_a_higher_one_is_a_no_op():
    ingest_one("afp_kazakhstan_v2.xml")
    result = ingest_one("afp_kazakhstan_v1.xml")
    assert result.outcome == Outcome.UNCHANGED
    assert "version 2" in result.reason
    assert Article.objects.get(wire_guid=KZA07).headline == "Emmanuel Macron attendu le 1er novembre au Kazakhstan"


def test_withdrawal_removes_the_story_everywhere_and_flags_the_rewrite(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest_one("afp_kazakhstan_v1.xml", auto_publish=True)
        ingest_one("afp_kazakhstan_v2.xml", auto_publish=True)
    dispatch = Article.objects.get(wire_guid=KZA07)
    rewrite = make_article(headline="La France au cœur de la stratégie kazakhe", based_on=dispatch)
    assert rewrite.credit == "avec AFP"
    pages = ["/", dispatch.get_absolute_url(), "/rss/", "/sitemap.xml", dispatch.section.get_absolute_url()]
    for url in pages:  # also fills the page cache the withdrawal must purge
        status, text = fetch(client, url)
        assert status == 200, url
        assert dispatch.headline in text or dispatch.get_absolute_url() in text, url

    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_one("afp_kazakhstan_kill.xml")
    assert result.outcome == Outcome.WITHDRAWN
    assert "1 article(s) réécrit(s)" in result.reason
    dispatch.refresh_from_db()
    assert dispatch.status == Article.Status.UNPUBLISHED
    assert dispatch.withdrawn_at is not None
    assert dispatch.wire_version == 3
    assert WireWithdrawal.objects.filter(guid=KZA07, version=3).exists()
    assert not Article.objects.published().filter(pk=dispatch.pk).exists()
    assert dispatch.transitions.filter(to_status=Article.Status.UNPUBLISHED).exists()

    assert client.get(dispatch.get_absolute_url()).status_code == 404
    for url in ["/", "/rss/", "/sitemap.xml", dispatch.section.get_absolute_url()]:
        _, text = fetch(client, url)
        assert dispatch.headline not in text, url
        assert dispatch.get_absolute_url() not in text, url
    # The rewrite stays online: flagging it is the editors' call (see test_wire_admin).
    assert client.get(rewrite.get_absolute_url()).status_code == 200
    # A late or repeated delivery never brings it back.
    for name in ("afp_kazakhstan_v1.xml", "afp_kazakhstan_v2.xml", "afp_kazakhstan_kill.xml"):
        assert ingest_one(name, auto_publish=True).outcome == Outcome.UNCHANGED
    assert not Article.objects.published().filter(pk=dispatch.pk).exists()


def test_withdrawal_of_a_guid_never_seen_is_remembered():
    assert ingest_one("afp_kazakhstan_kill.xml").outcome == Outcome.WITHDRAWN
    assert WireWithdrawal.objects.filter(guid=KZA07).exists()
    for name in ("afp_kazakhstan_v1.xml", "afp_kazakhstan_v2.xml"):
        result = ingest_one(name, auto_publish=True)
        assert result.outcome == Outcome.UNCHANGED
        assert "retirée" in result.reason
    assert not Article.objects.filter(wire_guid=KZA07).exists()
    assert ingest_one("afp_kazakhstan_kill.xml").outcome == Outcome.UNCHANGED


def test_correction_updates_and_shows_a_notice(client, tmp_path):
    guid = "urn:newsml:afp.com:20240101:TX-TEST-CORR"
    wire.ingest_file(write(tmp_path / "v1.xml", news_item(guid=guid, headline="Le ministre Ivanov")), auto_publish=True)
    corrected = news_item(
        guid=guid,
        version=2,
        headline="Le ministre Ivanova",
        signals=("sig:correction",),
        ed_note="Corrige le nom de la ministre, Mme Ivanova.",
        version_created="2024-01-01T10:00:00Z",
    )
    (result,) = wire.ingest_file(write(tmp_path / "v2.xml", corrected))
    assert result.outcome == Outcome.UPDATED
    assert "correction" in result.reason
    article = Article.objects.get(wire_guid=guid)
    assert article.headline == "Le ministre Ivanova"
    correction = Correction.objects.get(article=article)
    assert correction.right == "Corrige le nom de la ministre, Mme Ivanova."
    page = client.get(article.get_absolute_url()).text
    assert "Corrige le nom de la ministre, Mme Ivanova." in page
    assert "Mis à jour le" in page


def test_plain_update_has_no_correction_notice(tmp_path):
    guid = "urn:newsml:afp.com:20240101:TX-TEST-UPD"
    wire.ingest_file(write(tmp_path / "v1.xml", news_item(guid=guid)))
    wire.ingest_file(write(tmp_path / "v2.xml", news_item(guid=guid, version=2, signals=("sig:update",))))
    assert not Correction.objects.exists()
    assert "edNote" not in Article.objects.get(wire_guid=guid).body


@override_settings(WIRE_AUTO_PUBLISH=True)
def test_withheld_item_is_never_published_until_usable(tmp_path):
    guid = "urn:newsml:afp.com:20240101:TX-TEST-HOLD"
    (result,) = wire.ingest_file(write(tmp_path / "v1.xml", news_item(guid=guid, pub_status="stat:withheld")))
    assert result.outcome == Outcome.CREATED
    assert "retenue" in result.reason
    article = Article.objects.get(wire_guid=guid)
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()
    wire.ingest_file(write(tmp_path / "v2.xml", news_item(guid=guid, version=2)))
    assert Article.objects.published().filter(wire_guid=guid).exists()
    wire.ingest_file(write(tmp_path / "v3.xml", news_item(guid=guid, version=3, pub_status="stat:withheld")))
    assert not Article.objects.published().exists()


@override_settings(WIRE_AUTO_PUBLISH=True)
def test_embargoed_item_is_invisible_everywhere_until_its_time(client):
    embargo = datetime(2023, 10, 25, 5, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2023, 10, 24, 7, 0, tzinfo=UTC), tick=False):
        result = ingest_one("extra/afp_embargoed.xml")
        assert "embargo" in result.reason
        article = Article.objects.get(pk=result.article_id)
        assert (article.status, article.publish_at) == (Article.Status.PUBLISHED, embargo)
        assert not Article.objects.published().exists()
        assert client.get(article.get_absolute_url()).status_code == 404
        for url in ["/", "/rss/", "/sitemap.xml", article.section.get_absolute_url()]:
            assert article.headline not in fetch(client, url)[1]
    with time_machine.travel(datetime(2023, 10, 25, 5, 1, tzinfo=UTC), tick=False):
        assert Article.objects.published().get() == article
        assert client.get(article.get_absolute_url()).status_code == 200


def test_embargoed_item_as_draft_keeps_the_embargo_time():
    with time_machine.travel(datetime(2023, 10, 24, 7, 0, tzinfo=UTC), tick=False):
        article = Article.objects.get(pk=ingest_one("extra/afp_embargoed.xml").article_id)
        assert article.status == Article.Status.DRAFT
        assert article.publish_at == datetime(2023, 10, 25, 5, 0, tzinfo=UTC)
        assert not Article.objects.published().exists()


@override_settings(WIRE_AUTO_PUBLISH=True)
def test_embargo_only_in_the_editor_note_is_held_for_a_human(tmp_path):
    item = news_item(ed_note="EMBARGO jusqu’à 10H00 GMT", guid="urn:newsml:afp.com:20240101:TX-TEST-EMB")
    (result,) = wire.ingest_file(write(tmp_path / "e.xml", item))
    assert "embargo mentionné" in result.reason
    assert Article.objects.get().status == Article.Status.DRAFT


def test_editor_note_is_never_published(tmp_path):
    item = news_item(ed_note="NOTE INTERNE : ne pas diffuser le nom de la source")
    wire.ingest_file(write(tmp_path / "n.xml", item), auto_publish=True)
    article = Article.objects.get()
    assert "NOTE INTERNE" not in article.body + article.standfirst + article.headline
    assert article.wire_meta["ed_note"].startswith("NOTE INTERNE")


def test_one_bad_item_does_not_block_the_others(tmp_path):
    path = tmp_path / "multi.xml"
    good = news_item(guid="urn:test:good-1")
    bad = news_item(guid="urn:test:bad", version="x")
    other = news_item(guid="urn:test:good-2", headline="Deuxième dépêche")
    path.write_bytes(news_message(good, bad, other))
    results = wire.ingest_file(path)
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.REJECTED, Outcome.CREATED]
    assert results[1].guid == "urn:test:bad" and "version" in results[1].reason
    assert set(Article.objects.values_list("wire_guid", flat=True)) == {"urn:test:good-1", "urn:test:good-2"}


def _replace(xml, old, new):
    assert old in xml
    return xml.replace(old, new)


ITEM = news_item(guid="urn:test:malformed")
MALFORMED = {
    "named entity": (news_message(_replace(ITEM, "Dépêche de test", "Dépêche&nbsp;de test")), "XML mal formé"),
    "doctype": (b'<?xml version="1.0"?><!DOCTYPE newsMessage SYSTEM "x.dtd">' + news_message(ITEM)[38:], "DTD"),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE n [<!ENTITY x SYSTEM "file:///etc/passwd">]><n>&x;</n>',
        "DTD",
    ),
    "bad encoding": (news_message(ITEM).replace("Dépêche".encode(), "D\xe9p\xeache".encode("latin-1")), "XML mal"),
    "wrong root": (b'<?xml version="1.0"?><rss><channel/></rss>', "racine"),
    "wrong namespace": (news_message(ITEM).replace(b"nar/2006-10-01/", b"nar/1999/"), "racine"),
    "item in another namespace": (
        news_message(_replace(ITEM, "<newsItem ", '<newsItem xmlns="urn:other" ')),
        "espace de noms",
    ),
    "empty message": (news_message(), "aucun newsItem"),
    "version zero": (news_message(_replace(ITEM, 'version="1"', 'version="0"')), "version"),
    "no itemMeta": (news_message(ITEM.replace("<itemMeta>", "<x>").replace("</itemMeta>", "</x>")), "itemMeta"),
    "no itemClass": (news_message(_replace(ITEM, '<itemClass qcode="ninat:text"/>', "")), "itemClass"),
    "no versionCreated": (news_message(ITEM.replace("versionCreated", "other")), "versionCreated"),
    "bad date": (news_message(_replace(ITEM, "2024-01-01T08:00:00Z</first", "hier</first")), "date illisible"),
    "unknown status": (news_message(_replace(ITEM, "stat:usable", "stat:maybe")), "pubStatus"),
    "no headline no body": (
        news_message(news_item(guid="urn:test:empty", headline="", paragraphs=())),
        "sans titre ni texte",
    ),
}


@pytest.mark.parametrize(("data", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_is_rejected_and_writes_nothing(tmp_path, data, reason):
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    results = wire.ingest_file(path, auto_publish=True)
    assert [r.outcome for r in results] == [Outcome.REJECTED]
    assert reason in results[0].reason
    assert results[0].file == str(path)
    assert not Article.objects.exists() and not WireWithdrawal.objects.exists()


def test_file_over_the_size_limit_is_rejected_unread(tmp_path):
    path = write(tmp_path / "big.xml", news_item())
    with override_settings(WIRE_MAX_FILE_BYTES=path.stat().st_size - 1):
        (result,) = wire.ingest_file(path)
    assert result.outcome == Outcome.REJECTED and "trop gros" in result.reason
    assert not Article.objects.exists()


def test_missing_file_is_rejected(tmp_path):
    (result,) = wire.ingest_file(tmp_path / "absent.xml")
    assert result.outcome == Outcome.REJECTED and "illisible" in result.reason


def test_bare_news_item_root_is_accepted(tmp_path):
    path = tmp_path / "bare.xml"
    path.write_text(_replace(ITEM, "<newsItem ", '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" '))
    assert [r.outcome for r in wire.ingest_file(path)] == [Outcome.CREATED]


def test_non_text_item_is_skipped(tmp_path):
    (result,) = wire.ingest_file(write(tmp_path / "pic.xml", news_item(item_class="ninat:picture")))
    assert result.outcome == Outcome.SKIPPED
    assert not Article.objects.exists()


def test_missing_headline_is_taken_from_the_body_and_flagged(tmp_path):
    (result,) = wire.ingest_file(write(tmp_path / "h.xml", news_item(headline="")), auto_publish=True)
    assert "titre absent" in result.reason
    article = Article.objects.get()
    assert article.headline.startswith("Le gouvernement a annoncé mardi")
    assert len(article.headline) <= wire.HEADLINE_FROM_BODY_CHARS + 1
    assert article.status == Article.Status.DRAFT  # flagged items wait for an editor


def test_unknown_subject_schemes_are_kept_without_failing(tmp_path):
    item = news_item(subjects=(("afphouse:Chess", "Échecs"), ("medtop:99999999", "inconnu")), country="")
    (result,) = wire.ingest_file(write(tmp_path / "s.xml", item))
    assert result.outcome == Outcome.CREATED
    article = Article.objects.get()
    assert {"qcode": "afphouse:Chess", "name": "Échecs"} in article.wire_meta["subjects"]
    assert article.section.slug == "monde"  # nothing mapped: the fallback section


def test_subject_mapping_is_editable_data(tmp_path):
    asie = Section.objects.get(slug="asie-centrale")
    SubjectMapping.objects.filter(qcode="iso3166-1a2:KZ").update(section=asie)
    SubjectMapping.objects.create(qcode="afphouse:Energy", tag="énergie")
    wire.ingest_file(write(tmp_path / "m.xml", news_item(subjects=(("afphouse:Energy", "Énergie"),), keywords=())))
    article = Article.objects.get()
    assert article.section == asie
    assert list(article.tags.names()) == ["énergie"]


def test_same_slugline_gives_unique_slugs(tmp_path):
    for n in (1, 2):
        wire.ingest_file(write(tmp_path / f"{n}.xml", news_item(guid=f"urn:test:{n}", slugline="Kazakhstan-énergie")))
    assert sorted(Article.objects.values_list("slug", flat=True)) == ["kazakhstan-energie", "kazakhstan-energie-2"]


def test_an_unexpected_error_rolls_the_item_back(monkeypatch, tmp_path):
    def broken(item, lookups):
        raise RuntimeError("tags exploded")

    monkeypatch.setattr(wire, "_tags", broken)
    with pytest.raises(RuntimeError):
        wire.ingest_file(write(tmp_path / "x.xml", news_item()))
    assert not Article.objects.exists()
    assert not Version.objects.exists()


def test_command_prints_one_line_per_item_and_fails_on_rejects():
    out = io.StringIO()
    call_command("ingest_newsml", str(SAMPLES / "afp_kazakhstan_v1.xml"), str(SAMPLES / "extra"), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("créée") and KZA07 in lines[0] and "v1" in lines[0]
    assert "afp_embargoed.xml" in lines[1]
    assert lines[-1].startswith("2 créée")
    with pytest.raises(CommandError, match="1 élément"):
        call_command("ingest_newsml", str(SAMPLES / "malformed" / "truncated.xml"), stdout=io.StringIO())


def test_withdrawal_drops_the_story_from_a_pending_newsletter_edition():
    from newsletter.editions import assemble_edition
    from newsletter.models import Edition, Newsletter
    from newsletter.rendering import preview_html

    with time_machine.travel(datetime(2023, 10, 19, 10, 0, tzinfo=UTC), tick=False):
        ingest_one("afp_kazakhstan_v1.xml", auto_publish=True)
        dispatch = Article.objects.get(wire_guid=KZA07)
        edition = assemble_edition(newsletter=Newsletter.objects.get(slug="essentiel-quotidien"))
        assert edition.status == Edition.Status.DRAFT
        assert list(edition.visible_articles()) == [dispatch]
        assert dispatch.headline in preview_html(edition=edition)

        ingest_one("afp_kazakhstan_kill.xml")
        assert not edition.visible_articles().exists()
        assert dispatch.headline not in (preview_html(edition=edition) or "")
