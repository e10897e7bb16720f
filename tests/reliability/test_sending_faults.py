"""#10 item 4, the sending fault scenario: an edition sent by real db_worker processes on PostgreSQL while
the SMTP server drops connections and is stopped and started twice, workers are SIGKILLed at random and
one is SIGSTOPped past its lease. Afterwards every active subscriber has exactly one message.

The fast subset (300 subscribers, one kill, one stop) runs in the default suite; the full scenario
(10 000 subscribers, five kills) with NEWSROOM_LONG=1 (`make reliability`). Figures: docs/reliability.md.
"""

import random
import signal
import time

import pytest
from django.db import connection
from django_tasks_db.backend import DatabaseBackend

from newsletter import editions, sending
from newsletter.models import Delivery, Edition, Subscriber
from tests.factories import make_article
from tests.newsletter.conftest import _quiet_smtp_log, smtp_sink  # noqa: F401 — the fixtures, for this directory
from tests.newsletter.helpers import daily
from tests.newsletter.test_workers import manage, worker_env

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between processes"),
]
LEASE = 3
WORKER = ("db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2")


def add_subscribers(count):
    from django.utils import timezone

    now = timezone.now()
    Subscriber.objects.bulk_create(
        Subscriber(email=f"f{i}@example.org", status="active", consent_at=now, consent_version="t", confirmed_at=now)
        for i in range(count)
    )


def run_scenario(sink, *, subscribers, kills, deadline_s, seed):
    rng = random.Random(seed)
    make_article()
    add_subscribers(subscribers)
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)
    backend = DatabaseBackend(alias="default", params={})
    env = {
        **worker_env(sink),
        "NEWSLETTER_LEASE_SECONDS": str(LEASE),
        "NEWSLETTER_BATCH_SIZE": "50",
        "NEWSLETTER_RETRY_BACKOFF": "1",
        "NEWSLETTER_SEND_RATE": "0",
    }
    sink.handler.drop_at_mail = lambda: rng.random() < 0.01  # 1 % of connections dropped at MAIL FROM
    workers = [manage(*WORKER, env=env) for _i in range(3)]
    events = {"kills": 0, "stops": 0, "outages": 0}
    # When to do what, in messages received so far: spread over the run.
    plan = sorted(
        [("kill", rng.uniform(0.1, 0.9) * subscribers) for _i in range(kills)]
        + [("stop", 0.3 * subscribers), ("outage", 0.45 * subscribers), ("outage", 0.7 * subscribers)],
        key=lambda step: step[1],
    )
    started = time.monotonic()
    stopped = None
    next_relaunch = started
    try:
        for _i in range(4):
            backend.enqueue(sending.send_edition_task, [edition.pk], {})
        while time.monotonic() - started < deadline_s:
            if plan and len(sink.messages) >= plan[0][1]:
                action, _at = plan.pop(0)
                if action == "kill":
                    victim = rng.choice([w for w in workers if w is not stopped])
                    victim.send_signal(signal.SIGKILL)
                    victim.wait(10)
                    workers[workers.index(victim)] = manage(*WORKER, env=env)
                    events["kills"] += 1
                elif action == "stop":
                    stopped = rng.choice(workers)
                    stopped.send_signal(signal.SIGSTOP)
                    stopped_at = time.monotonic()
                    events["stops"] += 1
                else:
                    sink.stop()
                    time.sleep(1.5)
                    sink.start()
                    events["outages"] += 1
            if stopped is not None and time.monotonic() - stopped_at > LEASE + 2:
                stopped.send_signal(signal.SIGCONT)
                stopped = None
            # The periodic job (assemble_editions, every minute in production): relaunch a stalled edition.
            if time.monotonic() >= next_relaunch:
                editions.start_due_editions()
                next_relaunch = time.monotonic() + 1
            if Edition.objects.get(pk=edition.pk).status == Edition.Status.SENT and not plan and stopped is None:
                break
            time.sleep(0.1)
    finally:
        if stopped is not None:
            stopped.send_signal(signal.SIGCONT)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(20)
            except TimeoutError:
                worker.kill()
                worker.wait(5)
    elapsed = time.monotonic() - started
    counts = sink.counts()
    expected = set(Subscriber.objects.active().values_list("email", flat=True))
    figures = {
        "subscribers": subscribers,
        "seconds": round(elapsed, 1),
        "messages": sum(counts.values()),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "missing": len(expected - set(counts)),
        "uncertain": Delivery.objects.filter(status="failed", error__startswith="Envoi incertain").count(),
        "max_attempts": max(Delivery.objects.values_list("attempts", flat=True)),
        **events,
        "status": Edition.objects.get(pk=edition.pk).status,
    }
    print("sending fault scenario:", figures)
    return figures


def test_sending_fault_scenario_fast(smtp_sink):  # noqa: F811
    figures = run_scenario(smtp_sink, subscribers=300, kills=1, deadline_s=90, seed=10)
    assert figures["status"] == Edition.Status.SENT
    assert (figures["kills"], figures["stops"], figures["outages"]) == (1, 1, 2)
    assert figures["duplicates"] == 0
    assert figures["missing"] == 0
    assert figures["max_attempts"] <= 1  # outages and dropped connections spent nobody's attempts


@pytest.mark.long
def test_sending_fault_scenario_10000(smtp_sink):  # noqa: F811
    figures = run_scenario(smtp_sink, subscribers=10_000, kills=5, deadline_s=900, seed=4)
    assert figures["status"] == Edition.Status.SENT
    assert (figures["kills"], figures["stops"], figures["outages"]) == (5, 1, 2)
    assert figures["duplicates"] == 0
    assert figures["missing"] == 0
    assert figures["max_attempts"] <= 1
