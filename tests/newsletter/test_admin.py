"""The newsletter admin: subscriber lists and CSV, edition review, preview, test and sending."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from newsletter import editions
from newsletter.models import Edition, EditionArticle, Subscriber
from tests.factories import make_article, make_user
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_user("editrice", is_superuser=True, email="editrice@example.org")
    client.force_login(user)
    return user


def test_subscriber_list_shows_counts_and_filters(client, editor):
    make_subscriber("a@example.org")
    make_subscriber("b@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    response = client.get(reverse("admin:newsletter_subscriber_changelist"))
    assert response.status_code == 200
    assert "Total : <strong>2</strong>" in response.text
    filtered = client.get(reverse("admin:newsletter_subscriber_changelist"), {"status__exact": "active"})
    assert "a@example.org" in filtered.text and "b@example.org" not in filtered.text


def test_csv_export_follows_the_filters(client, editor):
    make_subscriber("a@example.org")
    make_subscriber("b@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    response = client.get(reverse("admin:newsletter_subscriber_export"), {"status__exact": "active"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "email" and [row[0] for row in rows[1:]] == ["a@example.org"]


def test_csv_import_validates_every_row_and_reports_rejects(client, editor):
    make_subscriber("deja@example.org")
    content = (
        "email,frequency,sections,consent_at\n"
        "nouvelle@example.org,weekly,kazakhstan|ouzbekistan,2026-01-10T10:00:00+01:00\n"
        "pas-une-adresse,daily,,\n"
        "DEJA@example.org,daily,,\n"
        "autre@example.org,mensuelle,,\n"
        "troisieme@example.org,daily,atlantide,\n"
        "nouvelle@example.org,daily,,\n"
        '"injection@example.org\r\nBcc: x@example.org",daily,,\n'
        "ok@exämple.fr,,,\n"
    ).encode()
    response = client.post(
        reverse("admin:newsletter_subscriber_import"),
        {"file": SimpleUploadedFile("abonnes.csv", content, "text/csv"), "consent_version": "salon-2026"},
    )
    assert response.status_code == 200
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "deja@example.org",
        "nouvelle@example.org",
        "ok@exämple.fr",
    }
    imported = Subscriber.objects.get(email="nouvelle@example.org")
    assert imported.status == "active" and imported.frequency == "weekly" and imported.sections.count() == 2
    assert imported.consent_version == "salon-2026"
    rejects = response.context["result"]["rejects"]
    assert [line for line, _email, _reason in rejects] == [3, 4, 5, 6, 7, 8]
    reasons = " ".join(reason for _line, _email, reason in rejects)
    for expected in ("valide", "déjà présente", "Fréquence inconnue", "Rubrique inconnue", "en double", "retours"):
        assert expected in reasons


def test_edition_review_preview_test_and_send(client, editor, smtp_sink):
    make_article(headline="Premier titre")
    second = make_article(headline="Second titre")
    make_subscriber("lecteur@example.org")
    edition = editions.assemble_edition(newsletter=daily())
    change = reverse("admin:newsletter_edition_change", args=[edition.pk])
    page = client.get(change)
    assert page.status_code == 200 and "Envoyer maintenant" in page.text

    # Remove one story, add an intro: the preview is exactly what will be sent.
    EditionArticle.objects.filter(edition=edition, article=second).delete()
    edition.intro = "Bonjour à toutes et à tous."
    edition.save()
    preview = client.get(reverse("admin:newsletter_edition_preview", args=[edition.pk])).text
    assert "Premier titre" in preview and "Second titre" not in preview and "Bonjour à toutes" in preview

    client.post(reverse("admin:newsletter_edition_test", args=[edition.pk]))
    [test] = smtp_sink.to("editrice@example.org")
    assert test["Subject"].startswith("[Test]")
    assert Edition.objects.get().status == Edition.Status.DRAFT

    client.post(reverse("admin:newsletter_edition_send", args=[edition.pk]))
    assert Edition.objects.get().status == Edition.Status.SENT
    [sent] = smtp_sink.to("lecteur@example.org")
    assert "Premier titre" in sent.get_body(("html",)).get_content()
    progress = client.get(reverse("admin:newsletter_edition_progress", args=[edition.pk])).json()
    assert progress == {"status": "sent", "sent": 1, "total": 1}
    listing = client.get(reverse("admin:newsletter_edition_changelist")).text
    assert "<progress" in listing
    # A sent edition can no longer be sent again or edited.
    client.post(reverse("admin:newsletter_edition_send", args=[edition.pk]))
    assert len(smtp_sink.to("lecteur@example.org")) == 1


def test_edition_being_sent_shows_live_progress(client, editor):
    make_article()
    make_subscriber()
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)
    page = client.get(reverse("admin:newsletter_edition_change", args=[edition.pk])).text
    assert 'id="edition-progress"' in page and "js/admin-edition-progress.js" in page
    assert "Envoyer maintenant" not in page  # no longer editable nor sendable
    progress = client.get(reverse("admin:newsletter_edition_progress", args=[edition.pk])).json()
    assert progress == {"status": "sending", "queued": 1, "total": 1}


def test_sending_needs_the_permission(client):
    user = make_user("journaliste", email="j@example.org")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_edition", "change_edition"]))
    client.force_login(user)
    make_article()
    make_subscriber()
    edition = editions.assemble_edition(newsletter=daily())
    response = client.post(reverse("admin:newsletter_edition_send", args=[edition.pk]))
    assert response.status_code == 403
    assert Edition.objects.get().status == Edition.Status.DRAFT and not mail.outbox


def test_stats_page_charts_subscribers_and_deliveries(client, editor):
    make_article()
    make_subscriber()
    editions.start_edition(edition=editions.assemble_edition(newsletter=daily()))
    response = client.get(reverse("admin:newsletter_subscriber_stats"))
    assert response.status_code == 200
    assert "<polyline" in response.text and "1 abonnés actifs" in response.text
    assert "<rect" in response.text
