"""Breaking-news alerts about a direct: only subscribers who chose alerts, exactly once; digests show a direct once."""

import threading

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from articles import live
from newsletter import alerts, editions, sending
from newsletter.models import Delivery, Edition, Subscriber
from tests.articles.live_helpers import make_editor, make_journalist, make_live
from tests.newsletter.helpers import daily, html_part, make_subscriber, text_part

pytestmark = pytest.mark.django_db


def test_alert_reaches_only_alert_subscribers_exactly_once(smtp_sink):
    editor = make_editor()
    direct = make_live(editor=editor, summary="<ul><li>Le scrutin est clos</li></ul>")
    live.post_entry(live=direct, user=editor, body="La commission annonce un second tour.")
    wanted = [make_subscriber("alerte1@example.org", alerts=True), make_subscriber("alerte2@example.org", alerts=True)]
    make_subscriber("digest@example.org")  # active, no alerts: nothing
    make_subscriber("pause@example.org", alerts=True, paused=True)
    make_subscriber("parti@example.org", alerts=True, status=Subscriber.Status.UNSUBSCRIBED)
    make_subscriber(
        "europe@example.org", alerts=True, sections=[direct.article.section.__class__.objects.get(slug="europe")]
    )
    wanted.append(Subscriber.objects.get(email="europe@example.org"))  # sections do not filter alerts

    edition = alerts.send_alert(live=direct, user=editor, subject="Alerte — second tour", intro="", nonce="n1")
    again = alerts.send_alert(live=direct, user=editor, subject="Alerte — second tour", intro="", nonce="n1")
    assert again.pk == edition.pk  # the form posted twice sends one alert
    sending.deliver_edition(edition_id=edition.pk)
    sending.deliver_edition(edition_id=edition.pk)  # a second worker finds nothing left to send

    assert sorted(smtp_sink.recipients()) == sorted(s.email for s in wanted)
    assert set(smtp_sink.counts().values()) == {1}
    edition.refresh_from_db()
    assert (edition.kind, edition.status) == (Edition.Kind.ALERT, Edition.Status.SENT)
    [message] = smtp_sink.to("alerte1@example.org")
    assert "Alerte — second tour" in message["Subject"]
    assert "Suivre le direct" in html_part(message) and direct.article.get_absolute_url() in text_part(message)
    assert "Le scrutin est clos" in text_part(message)
    assert Delivery.objects.filter(edition=edition).count() == 3


def test_a_repeated_alert_form_is_recognised_even_after_the_cache_is_flushed():
    editor = make_editor()
    direct = make_live(editor=editor)
    make_subscriber("alerte@example.org", alerts=True)
    edition = alerts.send_alert(live=direct, user=editor, subject="Alerte", intro="", nonce="n-flush")
    cache.clear()  # an eviction, a Redis restart: the form's nonce lives on the edition, not in the cache
    again = alerts.send_alert(live=direct, user=editor, subject="Alerte", intro="", nonce="n-flush")
    assert again.pk == edition.pk
    assert Edition.objects.count() == 1 and Delivery.objects.count() == 1
    other = alerts.send_alert(live=direct, user=editor, subject="Alerte", intro="", nonce="n-other")
    assert other.pk != edition.pk  # a new form is a new alert


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_alert_form_posted_twice_at_once_sends_one_alert(monkeypatch):
    editor = make_editor()
    direct = make_live(editor=editor)
    make_subscriber("alerte@example.org", alerts=True)
    newsletter = alerts.alerts_newsletter()
    both_past_the_lookup = threading.Barrier(2, timeout=30)

    def racing_newsletter():
        both_past_the_lookup.wait()  # neither request found an edition with this nonce
        return newsletter

    monkeypatch.setattr(alerts, "alerts_newsletter", racing_newsletter)
    results, errors = [], []

    def post():
        try:
            results.append(alerts.send_alert(live=direct, user=editor, subject="Alerte", intro="", nonce="n-race"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == 2 and results[0].pk == results[1].pk
    assert Edition.objects.count() == 1 and Delivery.objects.count() == 1


def test_only_editors_send_alerts(client):
    direct = make_live()
    journalist = make_journalist()
    with pytest.raises(PermissionDenied):
        alerts.send_alert(live=direct, user=journalist, subject="Alerte", intro="")
    client.force_login(journalist)
    assert client.get(reverse("newsletter:send_alert", args=[direct.pk])).status_code == 403
    assert not Edition.objects.exists()


def test_alert_form_sends_after_confirmation(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    make_subscriber("alerte@example.org", alerts=True)
    client.force_login(editor)
    url = reverse("newsletter:send_alert", args=[direct.pk])
    page = client.get(url).content.decode()
    assert "1 abonné aux alertes" in page and "Alerte — Élections au Kirghizistan" in page
    refused = client.post(url, {"subject": "Alerte", "intro": "Texte", "nonce": "x"})
    assert refused.status_code == 400 and not Edition.objects.exists()
    sent = client.post(url, {"subject": "Alerte", "intro": "Texte", "nonce": "x", "confirm": "on"})
    edition = Edition.objects.get()
    assert sent["Location"] == reverse("admin:newsletter_edition_change", args=[edition.pk])
    assert edition.kind == Edition.Kind.ALERT


def test_alert_choice_is_off_by_default_and_its_consent_dated(client):
    subscriber = make_subscriber("lecteur@example.org")
    assert subscriber.alerts is False and subscriber.alerts_consent_at is None
    url = reverse("newsletter:preferences", args=[subscriber.link_token()])
    assert "Alertes" in client.get(url).content.decode()
    client.post(url, {"frequency": "daily", "alerts": "on"})
    subscriber.refresh_from_db()
    assert subscriber.alerts and subscriber.alerts_consent_at is not None
    client.post(url, {"frequency": "daily"})
    subscriber.refresh_from_db()
    assert not subscriber.alerts and subscriber.alerts_consent_at is None


def test_running_direct_is_one_digest_item_with_its_summary(smtp_sink):
    editor = make_editor()
    direct = make_live(editor=editor, summary="<ul><li>Participation de 34 %</li></ul>")
    for n in range(3):
        live.post_entry(live=direct, user=editor, body=f"Entrée {n}")
    make_subscriber("quotidien@example.org")
    edition = editions.assemble_edition(newsletter=daily())
    assert list(edition.articles.all()) == [direct.article]
    editions.start_edition(edition=edition)
    sending.deliver_edition(edition_id=edition.pk)
    [message] = smtp_sink.to("quotidien@example.org")
    # The digest is typeset (fine no-break space before « % »); compare with plain spaces.
    text = text_part(message).replace("\u202f", " ").replace("\u00a0", " ")
    assert text.count(direct.article.headline) == 1
    assert "[En direct]" in text and "Participation de 34 %" in text
    assert "Entrée 1" not in text
