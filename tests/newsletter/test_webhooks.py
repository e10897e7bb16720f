"""ESP feedback through anymail's tracking webhooks (Postmark's format here), authenticity checked."""

import base64
import json

import pytest
from django.test import override_settings

from newsletter import sending
from newsletter.models import Delivery, Subscriber
from tests.factories import make_article
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db
URL = "/newsletter/anymail/postmark/tracking/"
AUTH = "Basic " + base64.b64encode(b"postmark:secret-du-webhook").decode()


def event(record_type, email, **extra):
    return json.dumps({"RecordType": record_type, "Email": email, "Recipient": email, "MessageID": "m-1", **extra})


@pytest.fixture(autouse=True)
def webhook_secret():
    with override_settings(ANYMAIL={"WEBHOOK_SECRET": "postmark:secret-du-webhook"}):
        yield


def post(client, body, auth=AUTH):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(URL, body, content_type="application/json", **headers)


def test_hard_bounce_stops_sending(client):
    subscriber = make_subscriber("rebond@example.org")
    body = event("Bounce", "rebond@example.org", Type="HardBounce", TypeCode=1, Description="Unknown user")
    assert post(client, body).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED and "Postmark" in subscriber.status_reason

    make_article()
    edition = sending.assemble_edition(newsletter=daily())
    sending.start_edition(edition=edition)
    assert not Delivery.objects.filter(subscriber=subscriber).exists()


def test_complaint_stops_sending(client):
    subscriber = make_subscriber("plainte@example.org")
    body = event("SpamComplaint", "plainte@example.org", Type="SpamComplaint", TypeCode=512)
    assert post(client, body).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.COMPLAINED


@pytest.mark.parametrize("auth", [None, "Basic " + base64.b64encode(b"postmark:mauvais").decode()])
def test_unauthenticated_webhook_changes_nothing(client, auth):
    subscriber = make_subscriber("rebond@example.org")
    response = post(client, event("Bounce", "rebond@example.org", Type="HardBounce", TypeCode=1), auth=auth)
    assert response.status_code in (400, 401, 403)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_delivery_event_changes_nothing(client):
    subscriber = make_subscriber("ok@example.org")
    assert post(client, event("Delivery", "ok@example.org")).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
