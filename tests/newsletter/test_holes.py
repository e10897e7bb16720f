"""Holes found by the audit (#10, #11): each reproduced here first."""

import csv
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from articles.models import Section
from newsletter import confirmation, editions
from newsletter.mime import NewsletterEmail
from newsletter.models import Edition, Subscriber
from tests.factories import make_article, make_user
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_user("editrice", is_superuser=True, email="editrice@example.org")
    client.force_login(user)
    return user


def test_confirmation_email_has_a_message_id(smtp_sink):
    subscriber = make_subscriber("nouveau@example.org", status=Subscriber.Status.PENDING, confirmed_at=None)
    confirmation.send_confirmation(subscriber=subscriber)
    [message] = smtp_sink.messages
    assert message["Message-ID"].startswith("<") and message["Message-ID"].endswith("@newsroom.localhost>")


def test_every_newsletter_email_gets_a_message_id_of_its_own():
    first, second = (NewsletterEmail("Objet", "Texte", "n@example.org", ["a@example.org"]) for _i in range(2))
    ids = [email_message(m)["Message-ID"] for m in (first, second)]
    assert all(ids) and ids[0] != ids[1]


def email_message(message):
    import email
    import email.policy

    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_cc_and_reply_to_are_serialised_not_dropped():
    message = NewsletterEmail(
        "Objet", "Texte", "n@example.org", ["a@example.org"], cc=["c@example.org"], reply_to=["r@example.org"]
    )
    parsed = email_message(message)
    assert parsed["Cc"] == "c@example.org" and parsed["Reply-To"] == "r@example.org"
    assert set(message.recipients()) == {"a@example.org", "c@example.org"}
    assert (
        "Bcc"
        not in NewsletterEmail("O", "T", "n@example.org", ["a@example.org"], bcc=["b@example.org"]).as_bytes().decode()
    )


def test_attachments_are_refused_not_dropped():
    message = NewsletterEmail("Objet", "Texte", "n@example.org", ["a@example.org"])
    message.attach("note.txt", "contenu", "text/plain")
    with pytest.raises(ValueError, match="attachment"):
        message.as_bytes()


@pytest.mark.parametrize("subject", ["Édition\r\nBcc: x@example.org", "Ligne\ncoupée", "Retour\rchariot"])
def test_edition_subject_with_a_line_break_is_refused_by_the_model(subject):
    edition = editions.assemble_edition(newsletter=daily())
    edition.subject = subject
    with pytest.raises(ValidationError) as error:
        edition.full_clean()
    assert "saut de ligne" in str(error.value)


def test_edition_subject_with_a_line_break_is_refused_in_the_admin(client, editor):
    edition = editions.assemble_edition(newsletter=daily())
    url = reverse("admin:newsletter_edition_change", args=[edition.pk])
    data = {
        "newsletter": edition.newsletter_id,
        "subject": "Objet\r\nBcc: x@example.org",
        "intro": "",
        "period_start_0": "01/12/2026",
        "period_start_1": "06:00:00",
        "period_end_0": "01/12/2026",
        "period_end_1": "07:00:00",
        "scheduled_at_0": "",
        "scheduled_at_1": "",
        "editionarticle_set-TOTAL_FORMS": "0",
        "editionarticle_set-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "saut de ligne" in response.text
    edition.refresh_from_db()
    assert "\n" not in edition.subject


def test_sender_name_with_a_line_break_is_refused():
    newsletter = daily()
    newsletter.from_name = "Rédaction\r\nBcc: x@example.org"
    with pytest.raises(ValidationError):
        newsletter.full_clean()


def subscriber_change(client, subscriber, **fields):
    data = {
        "email": subscriber.email,
        "status": fields.pop("status", subscriber.status),
        "frequency": subscriber.frequency,
        "paused": "",
        **fields,
    }
    return client.post(reverse("admin:newsletter_subscriber_change", args=[subscriber.pk]), data)


@pytest.mark.parametrize("status", [Subscriber.Status.PENDING, Subscriber.Status.UNSUBSCRIBED])
def test_admin_cannot_set_a_subscriber_active_by_hand(client, editor, status):
    subscriber = make_subscriber("x@example.org", status=status, confirmed_at=None)
    response = subscriber_change(client, subscriber, status=Subscriber.Status.ACTIVE)
    assert response.status_code in (200, 302)
    subscriber.refresh_from_db()
    assert subscriber.status == status  # read-only: no 500, no re-subscription without consent
    page = client.get(reverse("admin:newsletter_subscriber_change", args=[subscriber.pk]))
    assert 'name="status"' not in page.text


def test_admin_action_resends_the_confirmation_instead(client, editor):
    gone = make_subscriber("parti@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    waiting = make_subscriber("attente@example.org", status=Subscriber.Status.PENDING, confirmed_at=None)
    active = make_subscriber("actif@example.org")
    response = client.post(
        reverse("admin:newsletter_subscriber_changelist"),
        {"action": "send_confirmation", "_selected_action": [gone.pk, waiting.pk, active.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert sorted(m.to[0] for m in mail.outbox) == ["attente@example.org", "parti@example.org"]
    gone.refresh_from_db()
    active.refresh_from_db()
    assert gone.status == Subscriber.Status.PENDING  # active again only once the address confirms
    assert active.status == Subscriber.Status.ACTIVE


def test_csv_export_neutralises_formula_cells(client, editor):
    for address in ["=cmd@example.org", "+33@example.org", "-x@example.org", "@x@example.org", "ok@example.org"]:
        Subscriber.objects.create(email=address, consent_version="=HYPERLINK(1)")
    response = client.get(reverse("admin:newsletter_subscriber_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=cmd@example.org" in cells and "ok@example.org" in cells


def test_exported_csv_imports_back_unchanged(client, editor):
    Subscriber.objects.create(email="+33@example.org", status=Subscriber.Status.ACTIVE, confirmed_at=timezone.now())
    exported = b"".join(client.get(reverse("admin:newsletter_subscriber_export")).streaming_content)
    Subscriber.objects.all().delete()
    client.post(
        reverse("admin:newsletter_subscriber_import"),
        {"file": SimpleUploadedFile("abonnes.csv", exported, "text/csv"), "consent_version": "retour"},
    )
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["+33@example.org"]


def test_section_followed_by_subscribers_cannot_be_deleted(client, editor):
    section = Section.objects.create(name="Mongolie", slug="mongolie", order=99)
    only = make_subscriber("seule@example.org", sections=[section])
    make_subscriber("deux@example.org", sections=[section, Section.objects.get(slug="kazakhstan")])
    with pytest.raises(ProtectedError):
        section.delete()
    page = client.get(reverse("admin:articles_section_delete", args=[section.pk]))
    assert page.status_code == 200 and "seule@example.org" in page.text
    client.post(reverse("admin:articles_section_delete", args=[section.pk]), {"post": "yes"})
    assert Section.objects.filter(pk=section.pk).exists()
    assert list(only.sections.all()) == [section]  # not silently turned into « toutes les rubriques »

    only.sections.clear()
    Subscriber.objects.get(email="deux@example.org").sections.remove(section)
    section.delete()  # followed by nobody: deletable


def test_erasing_a_subscriber_still_works_with_sections():
    subscriber = make_subscriber("efface@example.org", sections=[Section.objects.get(slug="kazakhstan")])
    subscriber.delete()
    assert not Subscriber.objects.exists()


def test_edition_with_a_crlf_subject_never_reaches_sending():
    make_article()
    edition = editions.assemble_edition(newsletter=daily())
    Edition.objects.filter(pk=edition.pk)  # the database refuses it too
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(subject="a\r\nb")
