"""Property-based tests of the public newsletter endpoints, through the test client.

Whatever a visitor or a bot posts to the sign-up form, the preferences page or the unsubscribe link:
no 500, nothing malformed stored, and no state change without a valid signed token. Examples come from
the hypothesis profile of tests/conftest.py (a few dozen in `make test`, 10 000 with NEWSROOM_LONG=1).
"""

from urllib.parse import quote

import pytest
from django.core.validators import validate_email
from django.test import override_settings
from hypothesis import event, example, given
from hypothesis import strategies as st

from newsletter.forms import CONTROL_CHARACTERS, normalise_email
from newsletter.models import Frequency, Subscriber
from tests.newsletter.helpers import make_subscriber

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>@example.org",
    "a@example.org\r\nBcc: victime@example.org",
    "a@example.org\x00",
    '=HYPERLINK("http://x")@example.org',
    "a" * 300 + "@example.org",
    "a@" + "b" * 300 + ".org",
    "a@xn--.org",
    "a@xn--zz-zzz.org",
    "é@exemple.fr",
    "a@exemple.fr.",
    "\ud7ff@example.org",
    "' OR 1=1 --@example.org",
]
text = st.text(max_size=400)
emails = st.one_of(st.emails(), st.sampled_from(HOSTILE), text, st.builds("{}@{}".format, text, text))
choices = st.one_of(st.sampled_from([*Frequency.values, "", "hourly"]), text)
sections = st.lists(st.one_of(st.integers(min_value=-(2**63), max_value=2**63), text), max_size=5)


def assert_stored_subscribers_are_clean():
    for subscriber in Subscriber.objects.all():
        validate_email(subscriber.email)
        assert not set(subscriber.email) & CONTROL_CHARACTERS
        assert "<" not in subscriber.email
        assert subscriber.frequency in Frequency.values


# Half the posts are what the form sends with only the address fuzzed, half are fuzzed throughout.
signups = st.one_of(
    st.fixed_dictionaries(
        {"email": emails, "frequency": st.sampled_from(Frequency.values), "form": st.sampled_from(["page", "box"])}
    ),
    st.fixed_dictionaries(
        {"email": emails, "frequency": choices, "form": text}, optional={"sections": sections, "website": text}
    ),
)


@override_settings(NEWSLETTER_SIGNUP_LIMIT=1_000_000)
@given(data=signups)
# Found by the 10 000-example run: an id SQLite cannot hold was a 500 (OverflowError).
@example(data={"email": "a@example.org", "frequency": "daily", "form": "page", "sections": [2**63]})
@example(data={"email": "b@example.org", "frequency": "daily", "form": "page", "sections": [-(2**63) - 1]})
def test_signup_never_500_and_stores_only_valid_addresses(client, data):
    email = data["email"]
    before = Subscriber.objects.count()
    response = client.post("/newsletter/", data)
    event(f"status {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    if data.get("website"):  # the honeypot: answered like a person, nothing stored
        assert response.status_code == 302
        assert Subscriber.objects.count() == before
    elif response.status_code == 302:
        assert Subscriber.objects.by_email(normalise_email(email)).count() == 1
    assert set(Subscriber.objects.values_list("status", flat=True)) <= {Subscriber.Status.PENDING}
    assert_stored_subscribers_are_clean()


@given(token=text, frequency=choices, sections=sections, paused=text)
def test_tampered_tokens_change_nothing(client, token, frequency, sections, paused):
    subscriber = Subscriber.objects.filter(email="fidele@example.net").first()
    subscriber = subscriber or make_subscriber(email="fidele@example.net", frequency=Frequency.WEEKLY)
    real = subscriber.link_token()
    forged = token if token != real else token + "x"
    before = (subscriber.status, subscriber.frequency, subscriber.paused, subscriber.token_key)
    data = {"frequency": frequency, "sections": sections, "paused": paused}
    for name in ("preferences", "desinscription", "confirmer"):
        response = client.post(f"/newsletter/{name}/{quote(forged, safe='')}/", data)
        assert response.status_code in (400, 404), (name, response.status_code)
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.frequency, subscriber.paused, subscriber.token_key) == before


@given(frequency=choices, sections=sections, paused=st.one_of(st.sampled_from(["on", ""]), text))
@example(frequency="daily", sections=[2**63], paused="")
# Found by the 10 000-example run: a checkbox posted as "false" (any case) is unchecked, as Django's
# CheckboxInput reads it; the oracle was wrong, not the page (a browser sends "on" or nothing).
@example(frequency="daily", sections=[], paused="FALSE")
def test_preferences_with_a_valid_token_never_500_and_keep_valid_choices(client, frequency, sections, paused):
    subscriber = Subscriber.objects.filter(email="prefs@example.net").first() or make_subscriber("prefs@example.net")
    data = {"frequency": frequency, "sections": sections, "paused": paused}
    response = client.post(f"/newsletter/preferences/{subscriber.link_token()}/", data)
    assert response.status_code in (200, 400)
    subscriber.refresh_from_db()
    assert subscriber.frequency in Frequency.values
    assert subscriber.status == Subscriber.Status.ACTIVE
    if response.status_code == 200:
        assert subscriber.frequency == frequency
        assert subscriber.paused is (bool(paused) and paused.lower() != "false")


@given(method=st.sampled_from(["get", "post"]), extra=st.dictionaries(text, text, max_size=3))
def test_unsubscribe_link_works_whatever_else_is_posted(client, method, extra):
    subscriber = make_subscriber(email=f"depart{Subscriber.objects.count()}@example.net")
    response = getattr(client, method)(f"/newsletter/desinscription/{subscriber.link_token()}/", extra)
    assert response.status_code == 200
    subscriber.refresh_from_db()
    expected = Subscriber.Status.UNSUBSCRIBED if method == "post" else Subscriber.Status.ACTIVE
    assert subscriber.status == expected
