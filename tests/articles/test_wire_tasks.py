"""The drop-folder task, and two ingests of the same file at the same time."""

import shutil
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from articles import tasks, wire
from articles.models import Article
from tests.articles.newsml_factory import SAMPLES, news_item, write

pytestmark = pytest.mark.django_db


def test_drop_folder_files_processed_items_and_quarantines_rejects(tmp_path):
    shutil.copytree(SAMPLES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "incoming.xml.part").write_text("<still being written")
    with override_settings(WIRE_DROP_DIR=tmp_path):
        result = tasks.ingest_drop_folder.enqueue()
    assert result.return_value == {"withdrawn": 1, "unchanged": 2, "created": 3, "rejected": 3}
    done = sorted(p.name for p in (tmp_path / "done").iterdir())
    assert done == [
        "afp_embargoed.xml",
        "afp_kazakhstan_kill.xml",
        "afp_kazakhstan_v1.xml",
        "afp_kazakhstan_v2.xml",
        "afp_other_story.xml",
        "xss_body.xml",
    ]
    quarantine = tmp_path / "quarantine"
    rejected = sorted(p.name for p in quarantine.glob("*.xml"))
    assert rejected == ["billion_laughs.xml", "missing_guid.xml", "truncated.xml"]
    assert "guid manquant" in (quarantine / "missing_guid.xml.txt").read_text()
    assert (tmp_path / "incoming.xml.part").exists()  # left for the next round


def test_a_file_dropped_twice_is_harmless(tmp_path):
    with override_settings(WIRE_DROP_DIR=tmp_path):
        shutil.copy(SAMPLES / "afp_other_story.xml", tmp_path)
        assert tasks.ingest_drop_folder.enqueue().return_value == {"created": 1}
        shutil.copy(SAMPLES / "afp_other_story.xml", tmp_path)
        assert tasks.ingest_drop_folder.enqueue().return_value == {"unchanged": 1}
        assert tasks.ingest_drop_folder.enqueue().return_value == {}
    assert Article.objects.count() == 1
    assert len(list((tmp_path / "done").iterdir())) == 2  # the second copy kept under a new name


def test_missing_drop_folder_is_nothing_to_do(tmp_path):
    with override_settings(WIRE_DROP_DIR=tmp_path / "absent"):
        assert tasks.ingest_drop_folder.enqueue().return_value == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
# serialized_rollback: the flush after a transactional test would otherwise drop the reference rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_ingests_of_the_same_file_at_once_create_one_article(tmp_path):
    path = write(tmp_path / "same.xml", news_item(guid="urn:test:race"))
    barrier = threading.Barrier(4)
    outcomes = []

    def ingest():
        barrier.wait()
        try:
            outcomes.extend(r.outcome for r in wire.ingest_file(path))
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Article.objects.filter(wire_guid="urn:test:race").count() == 1
    assert sorted(outcomes) == sorted([wire.Outcome.CREATED] + [wire.Outcome.UNCHANGED] * 3)


def test_periodic_round_enqueues_the_next_one(tmp_path, monkeypatch):
    backend = tasks.ingest_drop_folder.get_backend()
    enqueued = []
    # The test backend runs tasks at once and cannot defer; stand in for a worker's queue.
    monkeypatch.setattr(backend, "supports_defer", True)
    monkeypatch.setattr(backend, "enqueue", lambda task, args, kwargs: enqueued.append((task, kwargs)))
    with override_settings(WIRE_DROP_DIR=tmp_path):
        before = timezone.now()
        assert tasks.ingest_drop_folder.call(every=60) == {}
    ((task, kwargs),) = enqueued
    assert kwargs == {"every": 60}
    assert task.run_after >= before + timedelta(seconds=60)


def test_without_every_it_runs_once(tmp_path, monkeypatch):
    backend = tasks.ingest_drop_folder.get_backend()
    monkeypatch.setattr(backend, "enqueue", lambda *args: pytest.fail("enqueued a next round"))
    with override_settings(WIRE_DROP_DIR=tmp_path):
        assert tasks.ingest_drop_folder.call() == {}
