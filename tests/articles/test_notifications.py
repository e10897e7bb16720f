"""Notifications: exactly the right people, once, as they chose, in French; emails through the task queue."""

import datetime as dt
import socket

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from articles.models import Article, Assignment, Notification, NotificationSettings, Transition
from articles.notifications import notify_due_soon, send_notification_email
from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST
from tests.factories import make_article, make_author, make_user, source

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
Kind = Notification.Kind


@pytest.fixture
def newsroom():
    people = {
        "journalist": make_user("aigerim", groups=[JOURNALIST], first_name="Aïgerim", last_name="Nurlanovna"),
        "coauthor": make_user("timour", groups=[JOURNALIST]),
        "bystander": make_user("saule", groups=[JOURNALIST]),
        "editor": make_user("damir", groups=[EDITOR], first_name="Damir", last_name="Seitkali"),
        "chief": make_user("gulnara", groups=[CHIEF_EDITOR]),
    }
    make_user("ancien", groups=[EDITOR], is_active=False)
    make_author(name="Timour Rakhimov", slug="timour", user=people["coauthor"])
    return people


@pytest.fixture
def story(newsroom):
    article = make_article(
        headline="Le barrage de Rogoun", status=Article.Status.DRAFT, publish_at=None, created_by=newsroom["journalist"]
    )
    article.authors.add(newsroom["coauthor"].author)
    return article


def received(kind=None):
    rows = Notification.objects.order_by("recipient__username")
    if kind:
        rows = rows.filter(kind=kind)
    return [row.recipient.username for row in rows]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what the flows queue after commit (the email tasks), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_submission_tells_every_editor_but_not_the_author_nor_other_journalists(story, newsroom, mailoutbox, on_commit):
    with on_commit():
        story.submit(user=newsroom["journalist"])
    assert received() == ["damir", "gulnara"]
    notification = Notification.objects.get(recipient=newsroom["editor"])
    assert notification.message == "« Le barrage de Rogoun » attend votre relecture (soumis par Aïgerim Nurlanovna)."
    assert notification.url == reverse("admin:articles_article_change", args=[story.pk])
    assert sorted(message.to[0] for message in mailoutbox) == ["damir@example.org", "gulnara@example.org"]
    assert mailoutbox[0].subject.startswith("Newsroom — « Le barrage de Rogoun » attend votre relecture")
    assert "Ouvrir dans la rédaction : http://127.0.0.1:8000/admin/articles/article/" in mailoutbox[0].body


def test_return_tells_the_authors_with_the_comment(story, newsroom, mailoutbox, on_commit):
    story.submit(user=newsroom["journalist"])
    Notification.objects.all().delete()
    mailoutbox.clear()
    with on_commit():
        story.return_to_draft(user=newsroom["editor"], comment="Ajoute la réaction de Douchanbé.")
    assert received() == ["aigerim", "timour"]
    assert set(Notification.objects.values_list("detail", flat=True)) == {"Ajoute la réaction de Douchanbé."}
    assert len(mailoutbox) == 2 and "Ajoute la réaction de Douchanbé." in mailoutbox[0].body


@time_machine.travel(NOW, tick=False)
def test_publication_and_schedule_tell_the_authors(story, newsroom):
    story.schedule(user=newsroom["editor"], at=NOW + dt.timedelta(days=1))
    scheduled = Notification.objects.filter(kind=Kind.SCHEDULED)
    assert sorted(n.recipient.username for n in scheduled) == ["aigerim", "timour"]
    assert "programmé pour le 2 décembre 2026 à 10 h 00" in scheduled[0].message
    story.publish(user=newsroom["editor"])
    assert received(Kind.PUBLISHED) == ["aigerim", "timour"]


def test_the_editor_who_acts_is_not_told_of_their_own_move(newsroom):
    article = make_article(status=Article.Status.DRAFT, publish_at=None, created_by=newsroom["editor"])
    article.submit(user=newsroom["editor"])
    assert received() == ["gulnara"]


def test_withdrawal_of_a_dispatch_with_rewrites_is_urgent_for_editors(newsroom, mailoutbox, on_commit):
    dispatch = make_article(headline="Séisme au Tadjikistan", source=source("afp"))
    make_article(headline="Notre récit du séisme", based_on=dispatch)
    with on_commit():
        dispatch.move("withdraw", actor=Transition.Actor.WIRE, withdrawn_at=dispatch.publish_at)
    assert received() == ["damir", "gulnara"]
    notification = Notification.objects.get(recipient=newsroom["editor"])
    assert notification.urgent and notification.kind == Kind.WITHDRAWN
    assert notification.detail == "Notre récit du séisme"
    assert all(message.subject.startswith("[Urgent] ") for message in mailoutbox) and len(mailoutbox) == 2


def test_withdrawal_without_rewrites_tells_nobody(newsroom):
    dispatch = make_article(source=source("afp"))
    dispatch.move("withdraw", actor=Transition.Actor.WIRE, withdrawn_at=dispatch.publish_at)
    assert received() == []


def test_preferences_mute_or_keep_emails_off(story, newsroom, mailoutbox, on_commit):
    NotificationSettings.objects.create(user=newsroom["editor"], muted_kinds=[Kind.SUBMITTED])
    NotificationSettings.objects.create(user=newsroom["chief"], email_kinds=[])
    with on_commit():
        story.submit(user=newsroom["journalist"])
    assert received() == ["gulnara"]
    assert mailoutbox == []


def test_preferences_page_saves_choices(client, newsroom):
    client.force_login(newsroom["editor"])
    url = reverse("admin:desk_preferences")
    page = client.get(url)
    assert page.status_code == 200 and "M’envoyer aussi un email" in page.text
    response = client.post(url, {"shown": [Kind.SUBMITTED, Kind.WITHDRAWN], "emailed": [Kind.WITHDRAWN]})
    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(user=newsroom["editor"])
    assert prefs.wants(Kind.SUBMITTED) and not prefs.wants(Kind.PUBLISHED)
    assert prefs.wants_email(Kind.WITHDRAWN) and not prefs.wants_email(Kind.SUBMITTED)
    assert client.post(url, {"shown": ["pas-un-type"]}).status_code == 200  # refused, nothing saved
    assert NotificationSettings.objects.get(user=newsroom["editor"]).email_kinds == [Kind.WITHDRAWN]


def test_an_email_is_sent_once_even_if_its_task_runs_twice(story, newsroom, mailoutbox):
    story.submit(user=newsroom["journalist"])  # emails queued on commit: not run here
    notification = Notification.objects.get(recipient=newsroom["editor"])
    assert send_notification_email.call(notification.pk) is True
    assert send_notification_email.call(notification.pk) is False
    assert len(mailoutbox) == 1


def test_a_failed_email_is_released_for_a_later_try(story, newsroom):
    story.submit(user=newsroom["journalist"])
    notification = Notification.objects.get(recipient=newsroom["editor"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    smtp = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 2},
    }
    with override_settings(MAILERS={"default": smtp}), pytest.raises(OSError):
        send_notification_email.call(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None


@time_machine.travel(NOW, tick=False)
def test_due_soon_reminds_assignees_once_per_due_time(newsroom, mailoutbox, on_commit):
    topic = Assignment.objects.create(working_title="Sommet de Samarcande", due_at=NOW + dt.timedelta(minutes=90))
    topic.assignees.add(newsroom["journalist"])
    Assignment.objects.create(working_title="Plus tard", due_at=NOW + dt.timedelta(days=2)).assignees.add(
        newsroom["journalist"]
    )
    Assignment.objects.create(
        working_title="Déjà rendu", due_at=NOW + dt.timedelta(minutes=30), status=Assignment.Status.FILED
    ).assignees.add(newsroom["journalist"])
    with on_commit():
        assert notify_due_soon() == 1
        assert notify_due_soon() == 0
    assert [n.message for n in Notification.objects.all()] == ["« Sommet de Samarcande » est à rendre à 11:30."]
    assert len(mailoutbox) == 1
    # Pushed back: a new due time, a new reminder.
    topic.due_at = NOW + dt.timedelta(minutes=100)
    topic.save()
    assert notify_due_soon() == 1


def test_notification_pages_belong_to_their_recipient(client, story, newsroom):
    story.submit(user=newsroom["journalist"])
    mine = Notification.objects.get(recipient=newsroom["editor"])
    theirs = Notification.objects.get(recipient=newsroom["chief"])
    client.force_login(newsroom["editor"])
    index = client.get(reverse("admin:index")).text
    assert "Notifications (1)" in index
    assert client.get(reverse("admin:desk_notification_open", args=[theirs.pk])).status_code == 404
    response = client.get(reverse("admin:desk_notification_open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == mine.url
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    assert "Notifications (0)" in client.get(reverse("admin:index")).text


def test_mark_all_read(client, story, newsroom):
    story.submit(user=newsroom["journalist"])
    client.force_login(newsroom["chief"])
    assert client.post(reverse("admin:desk_notifications")).status_code == 302
    assert not Notification.objects.filter(recipient=newsroom["chief"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=newsroom["editor"], read_at__isnull=True).count() == 1


def test_the_periodic_runner_sends_due_reminders_once(newsroom):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    topic = Assignment.objects.create(
        working_title="Conférence de presse", due_at=timezone.now() + dt.timedelta(hours=1)
    )
    topic.assignees.add(newsroom["journalist"])
    call_command("run_periodic", "--once", stdout=StringIO())
    call_command("run_periodic", "--once", stdout=StringIO())
    assert received(Kind.DUE_SOON) == ["aigerim"]
