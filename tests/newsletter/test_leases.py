"""Leases and outages: a stalled worker, a mail server going away, a lost "250" — nobody mailed twice."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from newsletter import editions, handover, sending
from newsletter.models import Delivery, Edition
from tests.factories import make_article
from tests.newsletter.helpers import daily, make_subscriber

pytestmark = pytest.mark.django_db
AFTER_LEASE = dt.timedelta(seconds=601)


def started_edition(count):
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(count)]
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)
    return edition, subscribers


def statuses():
    return list(Delivery.objects.order_by("id").values_list("status", flat=True))


def test_worker_stalled_past_its_lease_neither_hands_over_nor_records(smtp_sink, monkeypatch):
    edition, subscribers = started_edition(10)
    real_wait = handover.Pacer.wait
    calls = {"n": 0}

    def stall_before_the_fourth(self):
        calls["n"] += 1
        if calls["n"] == 4:
            # This worker stalls (SIGSTOP) past its lease; meanwhile another one takes the edition over.
            monkeypatch.setattr(handover.Pacer, "wait", real_wait)
            with time_machine.travel(timezone.now() + AFTER_LEASE):
                assert sending.deliver_edition(edition_id=edition.pk, batch_size=10).sent == 7
        return real_wait(self)

    monkeypatch.setattr(handover.Pacer, "wait", stall_before_the_fourth)
    result = sending.deliver_edition(edition_id=edition.pk, batch_size=10)

    assert smtp_sink.counts() == {s.email: 1 for s in subscribers}
    assert result.sent == 3 and result.lost == 1
    assert statuses() == ["sent"] * 10
    assert Edition.objects.get().status == Edition.Status.SENT


def test_worker_stalled_after_the_fence_is_not_recorded_over_the_recovery(smtp_sink, monkeypatch):
    """Stalled between the fence and the message: the row is uncertain for the others, never sent twice."""
    edition, subscribers = started_edition(6)
    real_fence = sending.fence
    calls = {"n": 0}

    def stall_after_the_second_fence(delivery, claim):
        fenced = real_fence(delivery, claim)
        calls["n"] += 1
        if calls["n"] == 2:
            monkeypatch.setattr(sending, "fence", real_fence)
            with time_machine.travel(timezone.now() + AFTER_LEASE):
                sending.deliver_edition(edition_id=edition.pk, batch_size=10)
        return fenced

    monkeypatch.setattr(sending, "fence", stall_after_the_second_fence)
    sending.deliver_edition(edition_id=edition.pk, batch_size=10)

    assert max(smtp_sink.counts().values()) == 1
    # The stalled worker's message went out once; the ledger says « incertain », as the others saw it.
    assert set(smtp_sink.recipients()) == {s.email for s in subscribers}
    second = Delivery.objects.order_by("id")[1]
    assert second.status == Delivery.Status.FAILED and "incertain" in second.error


def test_rows_a_killed_worker_never_handed_over_are_requeued_not_written_off(smtp_sink):
    edition, subscribers = started_edition(4)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    # Killed while it waited (rate limit) or rendered: it had claimed rows but handed none over.
    Delivery.objects.update(status=Delivery.Status.SENDING, claim="killed", claimed_at=long_ago)
    sending.deliver_edition(edition_id=edition.pk)
    assert statuses() == ["sent"] * 4
    assert smtp_sink.counts() == {s.email: 1 for s in subscribers}


def test_row_being_handed_over_when_the_worker_died_is_uncertain(smtp_sink):
    edition, _subscribers = started_edition(5)
    deliveries = list(Delivery.objects.order_by("id"))
    long_ago = timezone.now() - dt.timedelta(hours=1)
    # A worker claimed four, sent the first, and died while handing over the second.
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries[:4]]).update(
        status=Delivery.Status.SENDING, claim="killed", claimed_at=long_ago
    )
    Delivery.objects.filter(pk=deliveries[0].pk).update(status=Delivery.Status.SENT, claim="")
    Delivery.objects.filter(pk=deliveries[1].pk).update(handed_over_at=long_ago)
    sending.deliver_edition(edition_id=edition.pk)
    assert statuses() == ["sent", "failed", "sent", "sent", "sent"]
    assert sorted(smtp_sink.recipients()) == sorted(d.subscriber.email for d in deliveries[2:])


@override_settings(NEWSLETTER_MAX_ATTEMPTS=2)
@pytest.mark.parametrize("pipelining", [True, False])
def test_mail_server_outages_spend_no_attempts(smtp_sink, pipelining):
    smtp_sink.handler.pipelining = pipelining
    edition, subscribers = started_edition(10)

    smtp_sink.handler.refuse_after = 3  # 421 at MAIL FROM, as a server shutting down answers
    assert sending.deliver_edition(edition_id=edition.pk, batch_size=4).interrupted
    smtp_sink.stop()  # then it is gone: connection refused, more times than a recipient has attempts
    for _outage in range(3):
        result = sending.deliver_edition(edition_id=edition.pk, batch_size=4)
        assert result.interrupted and result.sent == 0 and result.failed == 0
    assert Edition.objects.get().status == Edition.Status.SENDING
    assert not Delivery.objects.filter(status__in=[Delivery.Status.SENDING, Delivery.Status.FAILED]).exists()
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {0, 1}  # only real sends count

    smtp_sink.handler.refuse_after = None
    smtp_sink.start()
    sending.deliver_edition(edition_id=edition.pk, batch_size=4)
    assert smtp_sink.counts() == {s.email: 1 for s in subscribers}
    assert statuses() == ["sent"] * 10
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_dropped_connections_are_retried_at_once_without_spending_attempts(smtp_sink):
    edition, subscribers = started_edition(8)
    drops = iter([False, True, False, False, True, False])
    smtp_sink.handler.drop_at_mail = lambda: next(drops, False)
    sending.deliver_edition(edition_id=edition.pk, batch_size=3)
    assert smtp_sink.counts() == {s.email: 1 for s in subscribers}
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    assert Edition.objects.get().status == Edition.Status.SENT


@pytest.mark.parametrize("pipelining", [True, False])
def test_connection_lost_after_the_message_went_in_is_uncertain_not_resent(smtp_sink, pipelining):
    smtp_sink.handler.pipelining = pipelining
    edition, subscribers = started_edition(5)
    smtp_sink.handler.drop_after_data = {"r2@example.org"}
    sending.deliver_edition(edition_id=edition.pk, batch_size=10)
    sending.deliver_edition(edition_id=edition.pk, batch_size=10)
    assert smtp_sink.counts() == {s.email: 1 for s in subscribers}
    uncertain = Delivery.objects.get(subscriber__email="r2@example.org")
    assert uncertain.status == Delivery.Status.FAILED and "incertain" in uncertain.error
    assert Edition.objects.get().status == Edition.Status.SENT
