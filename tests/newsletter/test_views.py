"""Sign-up, confirmation, unsubscribe and preferences through the client, including hostile input."""

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from articles.models import Section
from newsletter.models import Subscriber
from tests.newsletter.helpers import link, make_subscriber

pytestmark = pytest.mark.django_db
SUBSCRIBE = "/newsletter/"


def sign_up(client, email, **extra):
    return client.post(SUBSCRIBE, {"email": email, "form": "page", **extra})


def confirmation_link(message):
    return link(message.body, "confirmer").split("://", 1)[1].partition("/")[2]


def test_box_is_a_plain_form_without_csrf_token_on_every_page(client):
    html = client.get("/newsletter/merci/").text
    assert 'action="/newsletter/"' in html and "Je m’abonne" in html
    assert "csrfmiddlewaretoken" not in html.split('class="newsletter-box"')[1]


def test_sign_up_page_offers_frequency_and_sections(client):
    html = client.get(SUBSCRIBE).text
    assert "Hebdomadaire" in html and "Kazakhstan" in html


def test_page_sign_up_records_choices_and_consent(client):
    kz = Section.objects.get(slug="kazakhstan")
    response = sign_up(client, "nur@example.org", frequency="weekly", sections=[kz.pk])
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert (subscriber.status, subscriber.frequency, list(subscriber.sections.all())) == ("pending", "weekly", [kz])
    assert subscriber.consent_version == "page-2026-11"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_same_answer_for_new_pending_and_active_addresses_and_no_resend_within_interval(client):
    make_subscriber("deja@example.org")
    answers = [sign_up(Client(), email) for email in ("nouveau@example.org", "nouveau@example.org", "deja@example.org")]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/newsletter/merci/")}
    assert [m.to for m in mail.outbox] == [["nouveau@example.org"]]  # pending: once per interval
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        sign_up(Client(), "NOUVEAU@example.org")
    assert len(mail.outbox) == 2
    assert Subscriber.objects.count() == 2


def test_confirmation_link_works_once_and_then_says_already_confirmed(client):
    sign_up(client, "a@example.org")
    path = "/" + confirmation_link(mail.outbox[0])
    assert client.post(path).status_code == 200
    assert Subscriber.objects.get().status == "active"
    again = client.post(path)
    assert "déjà confirmée" in again.text


def test_old_confirmation_link_does_not_resubscribe_after_unsubscribing(client):
    sign_up(client, "a@example.org")
    path = "/" + confirmation_link(mail.outbox[0])
    client.post(path)
    subscriber = Subscriber.objects.get()
    subscriber.unsubscribe()
    response = client.post(path)
    assert response.status_code == 400 and "déjà servi" in response.text
    assert Subscriber.objects.get().status == "unsubscribed"


def test_expired_confirmation_link(client):
    sign_up(client, "a@example.org")
    path = "/" + confirmation_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        response = client.post(path)
    assert response.status_code == 400 and "expiré" in response.text
    assert Subscriber.objects.get().status == "pending"


@pytest.mark.parametrize(
    "token",
    [
        "nimportequoi",
        signing.dumps([1, "x"], salt="autre.sel"),
        signing.dumps([1, "x"], salt="newsletter.confirm")[:-3] + "abc",
        "a" * 10_000,
        "%0d%0aSet-Cookie:x=1",
    ],
    # Signed tokens differ from run to run; stable ids let parallel workers collect the same tests.
    ids=["garbage", "other-salt", "bad-signature", "10kB", "crlf"],
)
def test_tampered_tokens_are_refused_in_french_without_change(client, token):
    subscriber = make_subscriber("a@example.org")
    for name in ("confirm", "unsubscribe", "preferences", "export", "erase"):
        for method in (client.get, client.post):
            response = method(reverse(f"newsletter:{name}", args=[token]))
            assert response.status_code == 400, (name, method)
            assert "Ce lien n’est pas valide" in response.text
    subscriber.refresh_from_db()
    assert subscriber.status == "active"


HOSTILE = [
    ("pas-une-adresse", "adresse électronique valide"),
    ("a@b", "adresse électronique valide"),
    ("victime@example.org\r\nBcc: tous@example.org", "retours à la ligne"),
    ("victime@example.org\nSubject: spam", "retours à la ligne"),
    ("x" * 10_000 + "@example.org", "254"),
    ("élodie@example.org", "accentués"),
    ("<script>@example.org", "adresse électronique valide"),
]


@pytest.mark.parametrize(("email", "message"), HOSTILE)
def test_hostile_email_gets_a_french_error_and_changes_nothing(client, email, message):
    response = sign_up(client, email)
    assert response.status_code == 400
    assert message in response.text
    assert not Subscriber.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    "extra",
    [
        {"frequency": "daily\r\nBcc: x@example.org"},
        {"frequency": "x" * 10_000},
        {"sections": ["1\r\nX: y"]},
        {"sections": ["99999999"]},
        {"form": "box\r\nX: y"},
    ],
)
def test_hostile_other_fields_are_refused(client, extra):
    response = sign_up(client, "ok@example.org", **extra)
    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert any(
        phrase in response.text
        for phrase in ("Sélectionnez un choix valide", "n’est pas une valeur correcte", "rechargez la page")
    )
    assert not Subscriber.objects.exists()


def test_internationalised_domain_is_accepted_and_mailed(client):
    sign_up(client, "lecteur@Exämple.fr")
    assert Subscriber.objects.get().email == "lecteur@exämple.fr"
    sign_up(Client(), "lecteur@xn--exmple-cua.fr")  # the same mailbox, in punycode
    assert Subscriber.objects.count() == 1
    assert mail.outbox[0].to == ["lecteur@exämple.fr"]


def test_honeypot_pretends_success_and_does_nothing(client):
    response = sign_up(client, "bot@example.org", website="http://spam.example")
    assert response.status_code == 302
    assert not Subscriber.objects.exists() and not mail.outbox


@override_settings(NEWSLETTER_SIGNUP_LIMIT=3)
def test_per_ip_rate_limit(client):
    for i in range(3):
        assert sign_up(client, f"r{i}@example.org").status_code == 302
    response = sign_up(client, "r4@example.org")
    assert response.status_code == 429 and "Trop" in response.text
    assert Subscriber.objects.count() == 3
    other = Client(REMOTE_ADDR="10.0.0.2")
    assert sign_up(other, "r5@example.org").status_code == 302


def test_sign_up_needs_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert sign_up(client, "a@example.org").status_code == 302


def test_unsubscribe_get_asks_post_does_it(client):
    subscriber = make_subscriber()
    url = reverse("newsletter:unsubscribe", args=[subscriber.link_token()])
    assert "Me désinscrire" in client.get(url).text
    subscriber.refresh_from_db()
    assert subscriber.status == "active"  # a link scanner's GET changes nothing
    Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at


def test_preferences_change_frequency_sections_and_pause(client):
    subscriber = make_subscriber()
    kz = Section.objects.get(slug="kazakhstan")
    url = reverse("newsletter:preferences", args=[subscriber.link_token()])
    assert client.get(url).status_code == 200
    response = client.post(url, {"frequency": "weekly", "sections": [kz.pk], "paused": "on"})
    assert "enregistrées" in response.text
    subscriber.refresh_from_db()
    assert (subscriber.frequency, subscriber.paused, list(subscriber.sections.all())) == ("weekly", True, [kz])
    assert not Subscriber.objects.active().exists()


def test_preferences_refuse_injection(client):
    subscriber = make_subscriber()
    url = reverse("newsletter:preferences", args=[subscriber.link_token()])
    response = client.post(url, {"frequency": "weekly\r\nBcc: x"})
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.frequency == "daily"


def test_export_and_erase(client):
    subscriber = make_subscriber("moi@example.org")
    token = subscriber.link_token()
    data = json.loads(client.get(reverse("newsletter:export", args=[token])).content)
    assert data["email"] == "moi@example.org" and data["consentement"]["version_du_texte"] == "test"
    client.post(reverse("newsletter:erase", args=[token]))
    assert not Subscriber.objects.exists()
    assert client.get(reverse("newsletter:preferences", args=[token])).status_code == 400
