"""The sending engine against a real SMTP server: exactly once, resumable, selective."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from articles.models import Article, Section
from newsletter import editions, handover, rendering, sending
from newsletter.models import Delivery, Edition, Subscriber
from tests.factories import make_article
from tests.newsletter.helpers import daily, html_part, make_subscriber, weekly

pytestmark = pytest.mark.django_db


def kz():
    return Section.objects.get(slug="kazakhstan")


def uz():
    return Section.objects.get(slug="ouzbekistan")


def started_edition(**kwargs):
    edition = editions.assemble_edition(newsletter=daily(), **kwargs)
    editions.start_edition(edition=edition, enqueue=False)
    return edition


def assert_exactly_once(sink, subscribers):
    received = sorted(sink.recipients())
    assert received == sorted(s.email for s in subscribers)


def test_each_subscriber_gets_only_the_sections_they_follow(smtp_sink):
    make_article(headline="Nouvelles d’Astana", section=kz())
    make_article(headline="Nouvelles de Tachkent", section=uz())
    everything = make_subscriber("tout@example.org")
    kazakh = make_subscriber("kz@example.org", sections=[kz()])
    elsewhere = make_subscriber("europe@example.org", sections=[Section.objects.get(slug="europe")])
    make_subscriber("hebdo@example.org", frequency="weekly")
    make_subscriber("attente@example.org", status=Subscriber.Status.PENDING, confirmed_at=None)
    make_subscriber("pause@example.org", paused=True)

    edition = started_edition()
    sending.deliver_edition(edition_id=edition.pk)

    assert_exactly_once(smtp_sink, [everything, kazakh])
    [all_html] = [html_part(m) for m in smtp_sink.to("tout@example.org")]
    [kz_html] = [html_part(m) for m in smtp_sink.to("kz@example.org")]
    assert "Nouvelles d’Astana" in all_html and "Nouvelles de Tachkent" in all_html
    assert "Nouvelles d’Astana" in kz_html and "Nouvelles de Tachkent" not in kz_html
    assert not Delivery.objects.filter(subscriber=elsewhere).exists()  # nothing new for them: not sent
    edition.refresh_from_db()
    assert edition.status == Edition.Status.SENT
    delivery = Delivery.objects.get(subscriber=kazakh)
    assert abs((timezone.now() - delivery.sent_at).total_seconds()) < 60
    assert (delivery.attempts, delivery.message_id) == (1, f"<newsletter.{edition.pk}.{kazakh.pk}@newsroom.localhost>")


def test_withdrawn_or_unpublished_story_drops_out_of_an_unsent_edition(smtp_sink):
    kept = make_article(headline="Toujours en ligne")
    withdrawn = make_article(headline="Dépêche retirée")
    unpublished = make_article(headline="Article dépublié")
    make_subscriber("lecteur@example.org")
    edition = editions.assemble_edition(newsletter=daily())
    assert set(edition.articles.all()) == {kept, withdrawn, unpublished}

    Article.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())
    Article.objects.filter(pk=unpublished.pk).update(status=Article.Status.UNPUBLISHED)
    assert "Dépêche retirée" not in rendering.preview_html(edition=edition)
    editions.start_edition(edition=edition)

    html = html_part(smtp_sink.messages[0])
    assert "Toujours en ligne" in html
    assert "Dépêche retirée" not in html and "Article dépublié" not in html


def test_edition_covers_only_what_was_published_since_the_previous_one():
    with time_machine.travel(dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC), tick=False):
        old = make_article(headline="Ancien", publish_at=timezone.now() - dt.timedelta(hours=2))
        first = editions.assemble_edition(newsletter=daily())
    with time_machine.travel(dt.datetime(2026, 3, 3, 6, tzinfo=dt.UTC), tick=False):
        new = make_article(headline="Nouveau", publish_at=timezone.now() - dt.timedelta(hours=2))
        make_article(headline="Programmé", publish_at=timezone.now() + dt.timedelta(hours=2))
        second = editions.assemble_edition(newsletter=daily())
    assert list(first.articles.all()) == [old]
    assert list(second.articles.all()) == [new]
    assert second.period_start == first.period_end


def test_exception_after_k_messages_then_resume_sends_the_rest_once(smtp_sink, monkeypatch):
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(12)]
    edition = started_edition()
    real_message = rendering.EditionRenderer.message_bytes
    calls = {"n": 0}

    def crash_on_the_sixth(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 6:
            raise RuntimeError("worker crashed")
        return real_message(self, *args, **kwargs)

    monkeypatch.setattr(rendering.EditionRenderer, "message_bytes", crash_on_the_sixth)
    with pytest.raises(RuntimeError):
        sending.deliver_edition(edition_id=edition.pk, batch_size=4)
    assert len(smtp_sink.messages) == 5
    assert not Delivery.objects.filter(status=Delivery.Status.SENDING).exists()  # released, not stranded

    monkeypatch.setattr(rendering.EditionRenderer, "message_bytes", real_message)
    sending.deliver_edition(edition_id=edition.pk, batch_size=4)
    assert_exactly_once(smtp_sink, subscribers)
    assert Edition.objects.get().status == Edition.Status.SENT


def test_crash_between_smtp_acceptance_and_commit_is_never_sent_twice(smtp_sink, monkeypatch):
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(8)]
    edition = started_edition()
    real_settle = sending._settle_sent
    sent = {"n": 0}

    def lose_the_fourth_commit(delivery, claim, **fields):
        sent["n"] += 1
        if sent["n"] == 4:
            raise KeyboardInterrupt  # the process dies right after the server said 250
        return real_settle(delivery, claim, **fields)

    monkeypatch.setattr(sending, "_settle_sent", lose_the_fourth_commit)
    with pytest.raises(KeyboardInterrupt):
        sending.deliver_edition(edition_id=edition.pk, batch_size=3)
    monkeypatch.setattr(sending, "_settle_sent", real_settle)
    assert len(smtp_sink.messages) == 4
    [in_flight] = Delivery.objects.filter(status=Delivery.Status.SENDING)

    # Within the lease another worker leaves the in-flight row alone…
    sending.deliver_edition(edition_id=edition.pk)
    assert Delivery.objects.get(pk=in_flight.pk).status == Delivery.Status.SENDING
    # …after it, the row is settled as uncertain, not re-sent.
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=601)):
        sending.deliver_edition(edition_id=edition.pk)
    in_flight.refresh_from_db()
    assert in_flight.status == Delivery.Status.FAILED and "incertain" in in_flight.error
    assert_exactly_once(smtp_sink, subscribers)
    assert Edition.objects.get().status == Edition.Status.SENT


@override_settings(NEWSLETTER_RESEND_UNCERTAIN=True)
def test_uncertain_rows_can_be_resent_by_configuration(smtp_sink):
    make_article()
    subscriber = make_subscriber()
    edition = started_edition()
    Delivery.objects.update(status=Delivery.Status.SENDING, claim="dead", claimed_at=timezone.now())
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=601)):
        sending.deliver_edition(edition_id=edition.pk)
    assert_exactly_once(smtp_sink, [subscriber])


@pytest.mark.parametrize("pipelining", [True, False])
def test_smtp_server_going_away_pauses_and_resume_completes(smtp_sink, pipelining):
    smtp_sink.handler.pipelining = pipelining
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(10)]
    edition = started_edition()

    smtp_sink.handler.refuse_after = 4  # then answers 421, as a server shutting down does
    result = sending.deliver_edition(edition_id=edition.pk, batch_size=3)
    assert result.interrupted and result.sent == 4
    smtp_sink.stop()  # and then it is gone altogether
    result = sending.deliver_edition(edition_id=edition.pk, batch_size=3)
    assert result.interrupted and result.sent == 0
    assert Edition.objects.get().status == Edition.Status.SENDING
    assert not Delivery.objects.filter(status=Delivery.Status.SENDING).exists()

    smtp_sink.handler.refuse_after = None
    smtp_sink.start()
    sending.deliver_edition(edition_id=edition.pk, batch_size=3)
    assert_exactly_once(smtp_sink, subscribers)
    assert Edition.objects.get().status == Edition.Status.SENT


@pytest.mark.parametrize("pipelining", [True, False])
def test_permanent_refusal_fails_and_suppresses_transient_one_retries_later(smtp_sink, pipelining):
    smtp_sink.handler.pipelining = pipelining
    make_article()
    good = make_subscriber("ok@example.org")
    gone = make_subscriber("inconnu@example.org")
    full = make_subscriber("pleine@example.org")
    smtp_sink.handler.reject = {
        "inconnu@example.org": "550 5.1.1 No such user",
        "pleine@example.org": "452 4.2.2 Mailbox full",
    }
    edition = started_edition()
    sending.deliver_edition(edition_id=edition.pk)

    assert Delivery.objects.get(subscriber=gone).status == Delivery.Status.FAILED
    assert "550" in Delivery.objects.get(subscriber=gone).error
    gone.refresh_from_db()
    assert gone.status == Subscriber.Status.BOUNCED
    retry = Delivery.objects.get(subscriber=full)
    assert retry.status == Delivery.Status.QUEUED and retry.attempts == 1 and retry.next_attempt_at > timezone.now()
    assert Edition.objects.get().status == Edition.Status.SENDING

    smtp_sink.handler.reject = {}
    sending.deliver_edition(edition_id=edition.pk)  # back-off not over: nothing happens
    assert Delivery.objects.get(subscriber=full).status == Delivery.Status.QUEUED
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        sending.deliver_edition(edition_id=edition.pk)
    assert Delivery.objects.get(subscriber=full).status == Delivery.Status.SENT
    assert_exactly_once(smtp_sink, [good, full])
    assert all(m["Message-ID"] for m in smtp_sink.messages)


def test_subscriber_leaving_during_the_edition_is_skipped(smtp_sink):
    make_article()
    stays = make_subscriber("reste@example.org")
    leaves = make_subscriber("part@example.org")
    edition = started_edition()
    leaves.unsubscribe()
    sending.deliver_edition(edition_id=edition.pk)
    assert_exactly_once(smtp_sink, [stays])
    assert Delivery.objects.get(subscriber=leaves).status == Delivery.Status.SKIPPED


def test_workers_claim_disjoint_batches():
    make_article()
    for i in range(10):
        make_subscriber(f"r{i}@example.org")
    edition = started_edition()
    first = sending.claim_batch(edition_id=edition.pk, claim="a", size=4)
    second = sending.claim_batch(edition_id=edition.pk, claim="b", size=4)
    third = sending.claim_batch(edition_id=edition.pk, claim="c", size=4)
    ids = [d.pk for d in first + second + third]
    assert len(ids) == len(set(ids)) == 10


def test_html_is_rendered_once_per_selection(smtp_sink, monkeypatch):
    make_article(section=kz())
    for i in range(6):
        make_subscriber(f"r{i}@example.org")
    for i in range(3):
        make_subscriber(f"k{i}@example.org", sections=[kz()])
    renders = []
    real_render = rendering.EditionRenderer.render
    monkeypatch.setattr(rendering.EditionRenderer, "render", lambda self, a: renders.append(1) or real_render(self, a))
    sending.deliver_edition(edition_id=started_edition().pk)
    assert len(smtp_sink.messages) == 9
    assert len(renders) == 2  # everything, and Kazakhstan only


class FakeClock:
    """time.monotonic/time.sleep for the sender's pacer: time moves only when it sleeps."""

    def __init__(self, on_sleep):
        self.now = 1000.0
        self.on_sleep = on_sleep
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append((round(seconds, 6), self.on_sleep()))
        self.now += seconds


@pytest.mark.parametrize(("rate", "sleeps"), [(20, [(0.05, n) for n in (1, 2, 3, 4)]), (0, [])])
def test_rate_limit_spaces_messages(smtp_sink, monkeypatch, rate, sleeps):
    make_article()
    for i in range(5):
        make_subscriber(f"r{i}@example.org")
    edition = started_edition()
    clock = FakeClock(on_sleep=lambda: len(smtp_sink.messages))
    monkeypatch.setattr(handover, "time", clock)
    sending.deliver_edition(edition_id=edition.pk, rate=rate)
    # 5 messages at 20/s: one 50 ms gap after each of the first four, none before the first; 0: no limit.
    assert clock.sleeps == sleeps
    assert len(smtp_sink.messages) == 5


def test_a_slow_sender_is_not_slowed_down_further(monkeypatch):
    clock = FakeClock(on_sleep=lambda: None)
    monkeypatch.setattr(handover, "time", clock)
    pacer = handover.Pacer(20)
    pacer.wait()
    clock.now += 0.08  # the message took longer than the 50 ms interval
    pacer.wait()
    clock.now += 0.01
    pacer.wait()
    assert clock.sleeps == [(0.04, None)]  # only what remains of the next interval


def test_scheduled_edition_starts_when_due(smtp_sink):
    make_article()
    make_subscriber()
    edition = editions.assemble_edition(newsletter=daily())
    at = timezone.now() + dt.timedelta(hours=1)
    assert editions.schedule_edition(edition=edition, when=at)
    assert editions.start_due_editions() == 0
    with time_machine.travel(at + dt.timedelta(minutes=1)):
        assert editions.start_due_editions() == 1
    assert len(smtp_sink.messages) == 1


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-03-04T06:01:00+00:00", "2026-03-04T07:00:00+01:00"),  # 07:01 Paris (winter): today’s slot
        ("2026-03-04T05:59:00+00:00", "2026-03-03T07:00:00+01:00"),  # 06:59 Paris: yesterday’s
        ("2026-07-01T05:30:00+00:00", "2026-07-01T07:00:00+02:00"),  # summer time
    ],
)
def test_daily_slot_is_seven_paris_time(now, slot):
    assert editions.latest_slot("daily", dt.datetime.fromisoformat(now)) == dt.datetime.fromisoformat(slot)


def test_weekly_slot_is_monday_seven():
    wednesday = dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC)
    assert editions.latest_slot("weekly", wednesday) == dt.datetime.fromisoformat("2026-03-02T07:00:00+01:00")


def test_due_automatic_editions_are_assembled_once(smtp_sink):
    newsletter = daily()
    newsletter.auto_send = True
    newsletter.save()
    weekly().editions.exists()
    make_subscriber()
    with time_machine.travel(dt.datetime(2026, 3, 4, 6, 5, tzinfo=dt.UTC)):  # 07:05 Paris
        make_article(publish_at=timezone.now() - dt.timedelta(hours=3))
        assert len(editions.assemble_due_editions()) == 1
        assert editions.assemble_due_editions() == []
    assert len(smtp_sink.messages) == 1
    edition = Edition.objects.get()
    assert edition.automatic and edition.status == Edition.Status.SENT


@override_settings(NEWSLETTER_ASYNC_COMMIT=True)
def test_asynchronous_commit_option_sends_the_same(smtp_sink):
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(3)]
    sending.deliver_edition(edition_id=started_edition().pk)
    assert_exactly_once(smtp_sink, subscribers)
