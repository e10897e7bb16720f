"""Property tests: tampered signed links and forged ESP webhooks change nothing and never answer 500.

Tokens are real ones altered (a character changed, cut, extended, another subscriber's part spliced
in, re-signed with another salt, a confirmation token used as a link token and back); webhooks are
Postmark-shaped bodies with no, wrong or almost-right credentials, and authenticated ones naming a
message id or recipient that does not match the ledger. Example counts come from the shared hypothesis
profile of tests/conftest.py (a few dozen by default, 10 000 with NEWSROOM_LONG=1).
"""

import base64
import json
from urllib.parse import quote

import pytest
from django.core import signing
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from newsletter import editions
from newsletter.models import LINK_SALT, Delivery, Subscriber
from tests.factories import make_article
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db
SECRET = "postmark:secret-du-webhook"
WEBHOOK = "/newsletter/anymail/postmark/tracking/"


def people():
    """Two active subscribers with a sent delivery each, and a pending one with a live confirmation link."""
    if not Subscriber.objects.filter(email="a@example.net").exists():
        make_article()
        make_subscriber("a@example.net")
        make_subscriber("b@example.net")
        edition = editions.assemble_edition(newsletter=daily())
        editions.start_edition(edition=edition, enqueue=False)
        for delivery in Delivery.objects.select_related("subscriber"):
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SENT, message_id=f"<m.{delivery.subscriber.email}>"
            )
        pending = make_subscriber("p@example.net", status=Subscriber.Status.PENDING, confirmed_at=None)
        pending.confirmation_token()
        pending.save()
    return {s.email: s for s in Subscriber.objects.all()}


def state():
    return (
        sorted(Subscriber.objects.values_list("email", "status", "frequency", "paused", "token_key", "confirm_nonce")),
        sorted(Subscriber.sections.through.objects.values_list("subscriber_id", "section_id")),
        sorted(Delivery.objects.values_list("id", "status", "error")),
    )


def tamper(token, how, position, extra, other):
    position = position % max(len(token), 1)
    if how == "flip":
        replacement = "A" if token[position] != "A" else "B"
        return token[:position] + replacement + token[position + 1 :]
    if how == "cut":
        return token[:position]
    if how == "extend":
        return token + extra
    if how == "insert":
        return token[:position] + extra + token[position:]
    if how == "splice":  # this subscriber's signature on another's value, and the reverse
        return other.rpartition(":")[0] + ":" + token.rpartition(":")[2]
    if how == "salt":
        return signing.Signer(salt="newsletter.autre").sign(signing.Signer(salt=LINK_SALT).unsign(token))
    raise AssertionError(how)


tampering = st.tuples(
    st.sampled_from(["flip", "cut", "extend", "insert", "splice", "salt"]),
    st.integers(min_value=0, max_value=200),
    st.text(min_size=1, max_size=20),
)
link_views = ["preferences", "desinscription", "confirmer", "preferences/{}/export", "preferences/{}/effacer"]


@given(tampering=tampering, view=st.sampled_from(link_views), method=st.sampled_from(["get", "post"]))
def test_tampered_link_tokens_change_nothing(client, tampering, view, method):
    who = people()
    real, other = who["a@example.net"].link_token(), who["b@example.net"].link_token()
    forged = tamper(real, *tampering, other)
    if forged in (real, other):
        return
    before = state()
    path = view.format(quote(forged, safe="")) if "{}" in view else f"{view}/{quote(forged, safe='')}"
    data = {"frequency": "weekly", "paused": "on", "List-Unsubscribe": "One-Click"}
    response = getattr(client, method)(f"/newsletter/{path}/", data)
    assert response.status_code in (400, 404, 405)
    assert state() == before


@given(tampering=tampering, method=st.sampled_from(["get", "post"]))
def test_tampered_confirmation_tokens_confirm_nobody(client, tampering, method):
    who = people()
    pending = who["p@example.net"]
    real = pending.confirmation_token()
    how, position, extra = tampering
    if how == "salt":
        forged = signing.dumps([pending.pk, pending.confirm_nonce], salt="newsletter.autre")
    elif how == "splice":
        forged = who["a@example.net"].link_token()  # a link token is no confirmation token
    else:
        forged = tamper(real, how, position, extra, real)
    if forged == real:
        return
    before = state()
    response = getattr(client, method)(f"/newsletter/confirmer/{quote(forged, safe='')}/")
    assert response.status_code in (400, 404, 405)
    assert state() == before


def basic(credentials):
    return "Basic " + base64.b64encode(credentials.encode()).decode()


bounce_bodies = st.fixed_dictionaries(
    {
        "RecordType": st.sampled_from(["Bounce", "SpamComplaint", "SubscriptionChange", "Delivery", "Open", ""]),
        "Type": st.sampled_from(["HardBounce", "SoftBounce", "SpamComplaint", "Blocked", ""]),
        "Email": st.sampled_from(["a@example.net", "B@EXAMPLE.NET", "p@example.net", "x@example.org"]),
        "MessageID": st.one_of(st.sampled_from(["<m.a@example.net>", "<m.b@example.net>"]), st.text(max_size=40)),
    },
    optional={"SuppressSending": st.booleans(), "Description": st.text(max_size=80), "TypeCode": st.integers()},
)
wrong_auth = st.one_of(
    st.none(),
    st.builds(basic, st.text(max_size=60)),
    st.sampled_from([basic("postmark:secret-du-webhook "), basic("Postmark:secret-du-webhook"), "Bearer x"]),
    st.text(max_size=60),
)


@override_settings(NEWSLETTER_ESP="postmark", ANYMAIL={"WEBHOOK_SECRET": SECRET})
@given(body=st.one_of(bounce_bodies.map(json.dumps), st.text(max_size=200)), auth=wrong_auth)
def test_forged_webhooks_are_refused_and_change_nothing(client, body, auth):
    people()
    if auth == basic(SECRET):
        return
    before = state()
    headers = {"HTTP_AUTHORIZATION": auth} if auth is not None else {}
    response = client.post(WEBHOOK, body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert state() == before


@override_settings(NEWSLETTER_ESP="postmark", ANYMAIL={"WEBHOOK_SECRET": SECRET})
@given(body=bounce_bodies)
def test_authenticated_bounce_fails_only_the_matching_delivery(client, body):
    people()
    before = dict(Delivery.objects.values_list("subscriber__email", "status"))
    response = client.post(WEBHOOK, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=basic(SECRET))
    assert response.status_code in (200, 400)
    after = dict(Delivery.objects.values_list("subscriber__email", "status"))
    for email, status in after.items():
        if status != before[email]:  # a delivery changed: the event named exactly its message and recipient
            assert body["MessageID"] == f"<m.{email}>" and body["Email"].lower() == email
