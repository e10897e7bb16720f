"""ESP feedback through anymail's tracking webhooks (Postmark's format here), authenticity checked."""

import base64
import json

import pytest
from django.test import override_settings

from newsletter import editions
from newsletter.models import Delivery, Subscriber
from tests.factories import make_article
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db
URL = "/newsletter/anymail/postmark/tracking/"
SECRET = "postmark:secret-du-webhook"
AUTH = "Basic " + base64.b64encode(SECRET.encode()).decode()


def event(record_type, email, **extra):
    return json.dumps({"RecordType": record_type, "Email": email, "Recipient": email, "MessageID": "m-1", **extra})


def hard_bounce(email, message_id="m-1"):
    return event("Bounce", email, Type="HardBounce", TypeCode=1, Description="Unknown user", MessageID=message_id)


@pytest.fixture(autouse=True)
def webhook_secret():
    with override_settings(NEWSLETTER_ESP="postmark", ANYMAIL={"WEBHOOK_SECRET": SECRET}):
        yield


def post(client, body, auth=AUTH, url=URL):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(url, body, content_type="application/json", **headers)


def sent_delivery(subscriber, message_id):
    make_article()
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)
    delivery = Delivery.objects.get(edition=edition, subscriber=subscriber)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT, message_id=message_id)
    return delivery


def test_hard_bounce_stops_sending(client):
    subscriber = make_subscriber("rebond@example.org")
    assert post(client, hard_bounce("rebond@example.org")).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED and "Postmark" in subscriber.status_reason

    make_article()
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition)
    assert not Delivery.objects.filter(subscriber=subscriber).exists()


def test_complaint_stops_sending(client):
    subscriber = make_subscriber("plainte@example.org")
    body = event("SpamComplaint", "plainte@example.org", Type="SpamComplaint", TypeCode=512)
    assert post(client, body).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.COMPLAINED


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Basic " + base64.b64encode(b"postmark:mauvais").decode(),
        "Basic " + base64.b64encode(b"postmark:secret-du-webhook-").decode(),
        "Basic pas-du-base64",
        "Bearer secret-du-webhook",
    ],
)
def test_unauthenticated_webhook_is_refused_and_changes_nothing(client, auth):
    subscriber = make_subscriber("rebond@example.org")
    response = post(client, hard_bounce("rebond@example.org"), auth=auth)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


@pytest.mark.parametrize("anymail", [{}, {"WEBHOOK_SECRET": ""}, {"WEBHOOK_SECRET": []}])
def test_webhook_without_configured_secret_is_refused(client, anymail):
    """Reproduces the forged webhook: with ANYMAIL at its default, anymail itself accepts anyone."""
    subscriber = make_subscriber("rebond@example.org")
    delivery = sent_delivery(subscriber, "m-1")
    for body in (hard_bounce("rebond@example.org"), event("SpamComplaint", "rebond@example.org")):
        with override_settings(ANYMAIL=anymail):
            response = post(client, body, auth=None)
        assert response.status_code == 401
    subscriber.refresh_from_db()
    delivery.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert delivery.status == Delivery.Status.SENT


def test_only_the_esp_in_use_is_mounted(client):
    subscriber = make_subscriber("rebond@example.org")
    other = "/newsletter/anymail/mailgun/tracking/"
    assert post(client, hard_bounce("rebond@example.org"), url=other).status_code == 404
    assert (
        post(client, hard_bounce("rebond@example.org"), url="/newsletter/anymail/postmark/inbound/").status_code == 404
    )
    with override_settings(NEWSLETTER_ESP=""):
        # Sending through SMTP: no provider calls back, so no webhook at all.
        assert post(client, hard_bounce("rebond@example.org")).status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_esp_setting_is_derived_from_the_mail_backend():
    from newsroom.settings import esp_of

    assert esp_of("anymail.backends.postmark.EmailBackend") == "postmark"
    assert esp_of("anymail.backends.amazon_ses.EmailBackend") == "amazon_ses"
    assert esp_of("django.core.mail.backends.smtp.EmailBackend") == ""
    assert esp_of("anymail.backends.test.EmailBackend") == ""
    assert esp_of("anymail.backends.console.EmailBackend") == ""


def test_bounce_fails_only_the_delivery_whose_message_and_recipient_match(client):
    subscriber = make_subscriber("rebond@example.org")
    other = make_subscriber("autre@example.org")
    delivery = sent_delivery(subscriber, "m-1")
    other_delivery = Delivery.objects.get(edition=delivery.edition, subscriber=other)
    Delivery.objects.filter(pk=other_delivery.pk).update(status=Delivery.Status.SENT, message_id="m-2")

    # A genuine bounce for autre@ that names rebond@'s message id: the ledger rows do not match it.
    assert post(client, hard_bounce("autre@example.org", message_id="m-1")).status_code == 200
    delivery.refresh_from_db()
    other_delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert other_delivery.status == Delivery.Status.SENT

    assert post(client, hard_bounce("rebond@example.org", message_id="m-1")).status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and "Unknown user" in delivery.error


def test_malformed_authenticated_body_is_a_clean_400(client):
    subscriber = make_subscriber("rebond@example.org")
    for body in ("{", "[]", json.dumps({"RecordType": "Bounce"}), "\x00"):
        response = post(client, body)
        assert response.status_code in (200, 400)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_authenticated_event_with_nul_or_control_characters_is_no_500(client):
    """Found by the 10 000-example run on PostgreSQL (text cannot hold NUL): a Description with a NUL
    was stored as the subscriber's reason and the webhook answered 500, which an ESP retries for ever."""
    subscriber = make_subscriber("rebond@example.org")
    other = make_subscriber("autre@example.org")
    delivery = sent_delivery(subscriber, "m-1")
    bounce = event("Bounce", "rebond@example.org", Type="HardBounce", TypeCode=1, Description="Unknown\x00 user\r\nX")
    assert post(client, bounce).status_code == 200
    subscriber.refresh_from_db()
    delivery.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED and "Unknown user X" in subscriber.status_reason
    assert delivery.status == Delivery.Status.FAILED and "Unknown user X" in delivery.error
    assert post(client, hard_bounce("autre@example.org\x00")).status_code == 200
    other.refresh_from_db()
    assert other.status == Subscriber.Status.ACTIVE  # an address with a NUL is nobody's address
    assert post(client, hard_bounce("autre@example.org", message_id="m-\x00")).status_code == 200
    other.refresh_from_db()
    assert other.status == Subscriber.Status.BOUNCED  # a genuine bounce for autre@, whatever its message id


def test_delivery_event_changes_nothing(client):
    subscriber = make_subscriber("ok@example.org")
    assert post(client, event("Delivery", "ok@example.org")).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_deploy_check_flags_an_esp_without_webhook_secret():
    from newsletter.checks import webhook_secret_check

    with override_settings(ANYMAIL={}):
        assert [error.id for error in webhook_secret_check(None)] == ["newsletter.E001"]
    assert webhook_secret_check(None) == []
    with override_settings(NEWSLETTER_ESP="", ANYMAIL={}):
        assert webhook_secret_check(None) == []
