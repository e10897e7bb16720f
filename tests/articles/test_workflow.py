"""Transitions as model methods: who may do them, the audit rows they leave, scheduling by the clock."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Transition
from articles.pagecache import sequence
from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST
from tests.articles.crawl import fetch
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def journalist():
    return make_user("journaliste", groups=[JOURNALIST])


@pytest.fixture
def editor():
    return make_user("editeur", groups=[EDITOR])


@pytest.fixture
def chief():
    return make_user("redacteur-en-chef", groups=[CHIEF_EDITOR])


def draft(user, **overrides):
    return make_article(status=Status.DRAFT, publish_at=None, created_by=user, **overrides)


def test_roles_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {JOURNALIST, EDITOR, CHIEF_EDITOR}


def test_full_cycle_records_every_transition(journalist, editor):
    article = draft(journalist)
    article.submit(user=journalist)
    article.return_to_draft(user=editor, comment="Le chapô est trop long.")
    article.submit(user=journalist)
    article.publish(user=editor)
    article.unpublish(user=editor, comment="Retiré à la demande de la source.")
    article.back_to_draft(user=editor)

    rows = list(Transition.objects.filter(article=article).order_by("created_at", "id"))
    assert [(t.from_status, t.to_status, t.user) for t in rows] == [
        (Status.DRAFT, Status.SUBMITTED, journalist),
        (Status.SUBMITTED, Status.DRAFT, editor),
        (Status.DRAFT, Status.SUBMITTED, journalist),
        (Status.SUBMITTED, Status.PUBLISHED, editor),
        (Status.PUBLISHED, Status.UNPUBLISHED, editor),
        (Status.UNPUBLISHED, Status.DRAFT, editor),
    ]
    assert rows[1].comment == "Le chapô est trop long."
    assert rows[4].comment == "Retiré à la demande de la source."
    assert all(t.created_at is not None for t in rows)
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_return_needs_a_comment(journalist, editor):
    article = draft(journalist)
    article.submit(user=journalist)
    with pytest.raises(ValidationError):
        article.return_to_draft(user=editor, comment="   ")
    article.refresh_from_db()
    assert article.status == Status.SUBMITTED
    assert article.transitions.count() == 1


def test_journalist_cannot_publish_schedule_unpublish_or_return(journalist, editor):
    article = draft(journalist)
    article.submit(user=journalist)
    with pytest.raises(PermissionDenied):
        article.publish(user=journalist)
    with pytest.raises(PermissionDenied):
        article.schedule(user=journalist, at=timezone.now() + timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        article.return_to_draft(user=journalist, comment="non")
    article.publish(user=editor)
    with pytest.raises(PermissionDenied):
        article.unpublish(user=journalist)
    with pytest.raises(PermissionDenied):
        article.correct(user=journalist, wrong="a", right="b")
    article.refresh_from_db()
    assert article.is_published


def test_journalist_cannot_submit_someone_elses_draft(journalist):
    other = make_user(groups=[JOURNALIST])
    article = draft(other)
    with pytest.raises(PermissionDenied):
        article.submit(user=journalist)
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_credited_author_counts_as_owner(journalist):
    from tests.factories import make_author

    article = draft(None, authors=[make_author(user=journalist)])
    article.submit(user=journalist)
    assert Article.objects.get(pk=article.pk).status == Status.SUBMITTED


def test_transition_checks_the_stored_state_not_a_stale_object(journalist, editor):
    article = draft(journalist)
    stale = Article.objects.get(pk=article.pk)
    article.submit(user=journalist)
    Article.objects.get(pk=article.pk).publish(user=editor)
    with pytest.raises(ValidationError):
        stale.submit(user=journalist)  # stale copy still says "draft"
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


def test_invalid_moves_are_refused(journalist, editor):
    article = draft(journalist)
    with pytest.raises(ValidationError):
        article.unpublish(user=editor)
    with pytest.raises(ValidationError):
        article.return_to_draft(user=editor, comment="x")
    article.publish(user=editor)
    with pytest.raises(ValidationError):
        article.publish(user=editor)
    with pytest.raises(ValidationError):
        article.submit(user=editor)


def test_editor_and_chief_can_publish(editor, chief, journalist):
    for user in (editor, chief):
        article = draft(journalist)
        article.publish(user=user)
        assert Article.objects.get(pk=article.pk).is_published


def test_publish_and_unpublish_purge_public_pages_on_commit(journalist, editor, django_capture_on_commit_callbacks):
    article = draft(journalist)
    before = sequence()
    with django_capture_on_commit_callbacks(execute=True):
        article.publish(user=editor)
    assert sequence() != before
    before = sequence()
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish(user=editor)
    assert sequence() != before


def test_transitions_bump_edit_version(journalist, editor):
    article = draft(journalist)
    version = Article.objects.get(pk=article.pk).edit_version
    article.submit(user=journalist)
    assert Article.objects.get(pk=article.pk).edit_version == version + 1


def test_schedule_needs_a_future_time(editor, journalist):
    article = draft(journalist)
    with pytest.raises(ValidationError):
        article.schedule(user=editor, at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        article.schedule(user=editor, at=None)
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_scheduled_article_can_be_rescheduled_or_published_now(editor, journalist):
    article = draft(journalist)
    at = timezone.now() + timedelta(hours=2)
    article.schedule(user=editor, at=at)
    assert article.is_scheduled
    transition = article.transitions.first()
    assert transition.to_status == Status.PUBLISHED and "Programmé pour" in transition.comment
    article.schedule(user=editor, at=at + timedelta(hours=1))
    article.publish(user=editor)
    article.refresh_from_db()
    assert article.is_published
    assert article.first_published_at <= timezone.now()


def test_correction_records_note_and_update_time_keeps_url(editor):
    article = make_article()
    url = article.get_absolute_url()
    correction = article.correct(user=editor, wrong="Le sommet se tenait à Almaty.", right="À Astana.")
    article.refresh_from_db()
    assert correction.user == editor and correction.article == article
    assert article.updated_at == correction.created_at
    assert article.get_absolute_url() == url


def test_correction_only_on_published_articles(editor, journalist):
    with pytest.raises(ValidationError):
        draft(journalist).correct(user=editor, wrong="a", right="b")


# --- Scheduling with a frozen clock, on every public page that exists ----------------------


def _public_urls(article):
    urls = {
        "home": "/",
        "detail": article.get_absolute_url(),
        "section": article.section.get_absolute_url(),
    }
    for name in ("articles:feed", "articles:sitemap"):
        urls[name] = reverse(name)
    return urls


def test_scheduled_article_appears_at_its_time_everywhere(client, editor, journalist):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        article = draft(journalist, headline="Astana accueillera le sommet en juin")
        article.schedule(user=editor, at=start + timedelta(hours=1))
        urls = _public_urls(article)

        for name, url in urls.items():
            status, text = fetch(client, url)
            assert status == (404 if name == "detail" else 200), url
            assert article.slug not in text, url
            assert "Astana accueillera le sommet" not in text, url

        clock.move_to(start + timedelta(hours=1))
        for name, url in urls.items():
            status, text = fetch(client, url)
            assert status == 200, url
            assert article.slug in text or name == "detail", url
            assert "Astana accueillera le sommet en juin" in text or name == "articles:sitemap", url
