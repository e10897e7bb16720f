"""The one workflow gate: every status change, the wire's included, is checked and recorded the same way."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import wire
from articles.models import Article, Transition
from articles.roles import EDITOR
from tests.articles.newsml_factory import news_item, news_message
from tests.factories import make_article, make_user, source

pytestmark = pytest.mark.django_db

Status = Article.Status
GUID = "urn:newsml:afp.com:20240101:TX-GATE-0001"


@pytest.fixture
def editor():
    return make_user("editeur", groups=[EDITOR])


def ingest(**item):
    results = wire.ingest_bytes(news_message(news_item(guid=GUID, **item)), name="test.xml", auto_publish=True)
    assert len(results) == 1
    return results[0]


def dispatch():
    return Article.objects.get(wire_guid=GUID)


def test_withdrawn_dispatch_cannot_be_put_back_to_draft_nor_published(editor):
    ingest(version=1)
    ingest(version=2, pub_status="stat:canceled")
    article = dispatch()
    assert article.status == Status.UNPUBLISHED and article.withdrawn_at is not None

    assert article.available_transitions(editor) == []
    with pytest.raises(ValidationError, match="retirée"):
        article.back_to_draft(user=editor)
    # Even a row left in draft by the old code path cannot be published: the gate reads the withdrawal.
    Article.objects.filter(pk=article.pk).update(status=Status.DRAFT)
    article.refresh_from_db()
    assert not article.can_publish(editor)
    with pytest.raises(ValidationError, match="retirée"):
        article.publish(user=editor)
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_wire_status_changes_are_recorded_as_transitions_by_the_wire():
    ingest(version=1)  # auto-published
    ingest(version=2, pub_status="stat:withheld")  # published → draft
    ingest(version=3)  # usable again: draft → published
    ingest(version=4, pub_status="stat:canceled")  # withdrawn

    rows = list(dispatch().transitions.order_by("created_at", "id"))
    assert [(t.from_status, t.to_status, t.actor, t.user) for t in rows] == [
        (Status.DRAFT, Status.PUBLISHED, Transition.Actor.WIRE, None),
        (Status.PUBLISHED, Status.DRAFT, Transition.Actor.WIRE, None),
        (Status.DRAFT, Status.PUBLISHED, Transition.Actor.WIRE, None),
        (Status.PUBLISHED, Status.UNPUBLISHED, Transition.Actor.WIRE, None),
    ]


def test_a_wire_move_leaves_one_revision_naming_the_dispatch_and_the_move():
    ingest(version=1)
    versions = Version.objects.get_for_object(dispatch())
    assert versions.count() == 1
    assert versions.get().revision.comment == f"Dépêche {GUID}, version 1 — Brouillon → Publié"


def test_person_cannot_use_the_wire_moves(editor):
    article = make_article(source=source("afp"))
    with pytest.raises(PermissionDenied):
        article.move("withdraw", user=editor)
    assert not Transition.objects.exists()


def test_every_move_bumps_edit_version_once_and_purges_on_commit(editor, django_capture_on_commit_callbacks):
    article = make_article(status=Status.SUBMITTED, publish_at=None)
    before = article.edit_version
    with django_capture_on_commit_callbacks() as callbacks:
        article.publish(user=editor)
    article.refresh_from_db()
    assert article.edit_version == before + 1
    assert len(callbacks) == 1


def test_scheduled_excludes_withdrawn_stories():
    ahead = timezone.now() + timedelta(hours=2)
    kept = make_article(publish_at=ahead)
    withdrawn = make_article(publish_at=ahead, source=source("afp"))
    # A row the old wire path could leave: published status, withdrawal date set.
    Article.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    assert list(Article.objects.scheduled()) == [kept]


def test_admin_published_filter_is_what_readers_see(client, editor):
    visible = make_article(headline="Visible")
    withdrawn = make_article(headline="Retirée", source=source("afp"))
    Article.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    make_article(headline="Programmée", publish_at=timezone.now() + timedelta(hours=1))
    client.force_login(editor)
    response = client.get(reverse("admin:articles_article_changelist"), {"etat": "published"})
    assert response.status_code == 200
    assert [a.pk for a in response.context["cl"].result_list] == [visible.pk]
