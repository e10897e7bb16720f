"""The whole journey over a real SMTP server: sign up, confirm, receive, unsubscribe in one click."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from newsletter import editions
from newsletter.models import Delivery, Edition, Subscriber
from tests.factories import make_article
from tests.newsletter.helpers import daily, html_part, link, text_part

pytestmark = pytest.mark.django_db


def path_of(url):
    return urlsplit(url).path


def test_sign_up_confirm_receive_and_leave_in_one_click(client, smtp_sink):
    response = client.post(reverse("newsletter:subscribe"), {"email": "Aigerim@Example.org", "form": "box"})
    assert response.status_code == 302

    # The confirmation email: French, HTML and text, a signed link; the address is not active yet.
    [confirmation] = smtp_sink.to("Aigerim@example.org")
    assert confirmation["Subject"] == "Confirmez votre inscription à la newsletter"
    assert "confirmez votre adresse" in text_part(confirmation)
    assert "Je confirme mon inscription" in html_part(confirmation)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.consent_version == "encart-2026-11" and subscriber.consent_at is not None

    confirm_url = path_of(link(text_part(confirmation), "confirmer"))
    assert client.get(confirm_url).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING  # opening the link is not enough
    response = client.post(confirm_url)
    assert "Merci" in response.text
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE and subscriber.confirmed_at is not None

    article = make_article(headline="Astana accueille le sommet régional", standfirst="Un chapô précis.")
    edition = editions.assemble_edition(newsletter=daily())
    assert editions.start_edition(edition=edition)  # ImmediateBackend: the send task runs now

    [digest] = [m for m in smtp_sink.to("Aigerim@example.org") if m is not confirmation]
    assert "Astana accueille le sommet régional" in html_part(digest)
    assert "Un chapô précis." in text_part(digest)
    assert article.get_absolute_url() in text_part(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = digest["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith("http")
    # On one line as sent, not folded into RFC 2047 encoded-words that providers cannot read as a URL.
    assert f"\r\nList-Unsubscribe: <{unsubscribe_url}>\r\n".encode() in digest.raw
    assert digest["List-Id"] and "essentiel-quotidien" in digest["List-Id"]
    assert digest["Message-ID"] == f"<newsletter.{edition.pk}.{subscriber.pk}@newsroom.localhost>"
    assert digest["Date"] and "Newsroom" in digest["From"]
    assert Edition.objects.get().status == Edition.Status.SENT

    # RFC 8058: a bare POST, no cookie, no CSRF token, no confirmation page.
    from django.test import Client

    one_click = Client(enforce_csrf_checks=True).post(
        path_of(unsubscribe_url), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    again = Client(enforce_csrf_checks=True).post(path_of(unsubscribe_url), {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # idempotent
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED

    make_article(headline="Nouvelle du lendemain")
    later = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=later)
    assert not Delivery.objects.filter(edition=later).exists()
    assert len(smtp_sink.to("Aigerim@example.org")) == 2
