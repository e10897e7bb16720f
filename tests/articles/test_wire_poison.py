"""Poison NewsML (#10): every malformed item is a rejection with a reason, never an exception; the
drop folder quarantines the file and the round goes on with the good ones."""

import pytest

from articles import tasks, wire
from articles.models import Article, WireWithdrawal
from tests.articles.newsml_factory import news_item, news_message, write

pytestmark = pytest.mark.django_db

Outcome = wire.Outcome


def ingest(*items):
    return wire.ingest_bytes(news_message(*items), name="poison.xml", auto_publish=True)


def nested(depth):
    item = news_item(guid="urn:test:deep")
    return item.replace("<body>", "<body>" + "<div>" * depth + "x" + "</div>" * depth, 1)


POISON = {
    "year 1 with an offset": news_item(guid="urn:test:y1", first_created="0001-01-01T00:00:00+01:00"),
    "year 9999 with an offset": news_item(guid="urn:test:y9999", first_created="9999-12-31T23:59:59-01:00"),
    "embargo in year 9999": news_item(guid="urn:test:emb", embargoed="9999-12-31T23:00:00-05:00"),
    "3 000 nested elements": nested(3000),
    "version 2**31": news_item(guid="urn:test:big", version=2**31),
    "version ²": news_item(guid="urn:test:sup", version="²"),
    "version ١ (Arabic-Indic digit)": news_item(guid="urn:test:arabic", version="١"),
}


@pytest.mark.parametrize("item", POISON.values(), ids=POISON.keys())
def test_poison_item_is_a_rejection_with_a_reason_and_writes_nothing(item):
    good = news_item(guid="urn:test:good", headline="La bonne dépêche")
    results = ingest(item, good)
    assert [r.outcome for r in results] == [Outcome.REJECTED, Outcome.CREATED]
    assert results[0].reason
    assert list(Article.objects.values_list("wire_guid", flat=True)) == ["urn:test:good"]
    assert not WireWithdrawal.objects.exists()


def test_poison_withdrawal_is_rejected_too():
    results = ingest(news_item(guid="urn:test:kill", pub_status="stat:canceled", version=2**40))
    assert [r.outcome for r in results] == [Outcome.REJECTED]
    assert not WireWithdrawal.objects.exists()


def test_drop_folder_quarantines_the_poison_file_and_goes_on(tmp_path):
    write(tmp_path / "a-poison.xml", POISON["3 000 nested elements"])
    write(tmp_path / "b-poison.xml", POISON["year 9999 with an offset"])
    write(tmp_path / "c-good.xml", news_item(guid="urn:test:good"))

    counts = tasks.ingest_folder(drop_dir=tmp_path)

    assert counts == {str(Outcome.REJECTED): 2, str(Outcome.CREATED): 1}
    assert sorted(p.name for p in (tmp_path / "quarantine").iterdir()) == [
        "a-poison.xml",
        "a-poison.xml.txt",
        "b-poison.xml",
        "b-poison.xml.txt",
    ]
    assert "imbrication" in (tmp_path / "quarantine" / "a-poison.xml.txt").read_text()
    assert [p.name for p in (tmp_path / "done").iterdir()] == ["c-good.xml"]
    # The next round has nothing left to choke on.
    assert tasks.ingest_folder(drop_dir=tmp_path) == {}
