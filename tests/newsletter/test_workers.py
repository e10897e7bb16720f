"""Real worker processes on PostgreSQL: db_worker sharing an edition, and a worker killed mid-send.

They need a database other processes can reach, so they run when DATABASE_URL is PostgreSQL (CI does).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from newsletter import editions, sending
from newsletter.models import Delivery, Edition
from newsletter.sending import send_edition_task
from tests.factories import make_article
from tests.newsletter.helpers import daily, make_subscriber

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between processes"),
]


def worker_env(sink):
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink.port),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
    }


def manage(*args, env):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def test_two_db_workers_share_an_edition_and_mail_everyone_once(smtp_sink):
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(60)]
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)
    backend = DatabaseBackend(alias="default", params={})
    for _i in range(4):
        backend.enqueue(send_edition_task, [edition.pk], {})

    env = worker_env(smtp_sink)
    worker_args = ("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0.1")
    workers = [manage(*worker_args, env=env) for _i in range(2)]
    for worker in workers:
        output = worker.communicate(timeout=60)[0].decode()
        assert worker.returncode == 0, output

    assert sorted(smtp_sink.recipients()) == sorted(s.email for s in subscribers)
    assert Edition.objects.get().status == Edition.Status.SENT


def test_killed_worker_resumes_with_nobody_mailed_twice(smtp_sink):
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(40)]
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)

    worker = manage("send_edition", str(edition.pk), "--rate", "40", "--batch-size", "10", env=worker_env(smtp_sink))
    deadline = time.monotonic() + 30
    while len(smtp_sink.messages) < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    received_before = len(smtp_sink.messages)
    assert 8 <= received_before < 40

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=601)):
        sending.deliver_edition(edition_id=edition.pk)

    recipients = smtp_sink.recipients()
    assert len(recipients) == len(set(recipients))  # nobody twice
    uncertain = set(Delivery.objects.filter(status=Delivery.Status.FAILED).values_list("subscriber__email", flat=True))
    assert len(uncertain) <= 1  # at most the one message in flight when the worker died
    assert set(recipients) | uncertain == {s.email for s in subscribers}
    assert Edition.objects.get().status == Edition.Status.SENT


def test_worker_killed_while_waiting_writes_nobody_off(smtp_sink):
    """Killed between two messages (rate limit): its claimed rows were not handed over, so none is uncertain."""
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(12)]
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)

    worker = manage("send_edition", str(edition.pk), "--rate", "4", "--batch-size", "10", env=worker_env(smtp_sink))
    deadline = time.monotonic() + 30
    while len(smtp_sink.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.08)  # well inside the 250 ms wait before its next message
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() >= 7  # its claim, left behind

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=601)):
        sending.deliver_edition(edition_id=edition.pk)

    assert smtp_sink.counts() == {s.email: 1 for s in subscribers}
    assert not Delivery.objects.filter(status=Delivery.Status.FAILED).exists()
    assert Edition.objects.get().status == Edition.Status.SENT


def test_worker_stopped_past_its_lease_mails_nobody_twice(smtp_sink):
    """SIGSTOP one db_worker past NEWSLETTER_LEASE_SECONDS while another takes its rows over, then resume it."""
    make_article()
    subscribers = [make_subscriber(f"r{i}@example.org") for i in range(120)]
    edition = editions.assemble_edition(newsletter=daily())
    editions.start_edition(edition=edition, enqueue=False)
    backend = DatabaseBackend(alias="default", params={})
    env = {
        **worker_env(smtp_sink),
        "NEWSLETTER_LEASE_SECONDS": "2",
        "NEWSLETTER_SEND_RATE": "50",
        "NEWSLETTER_BATCH_SIZE": "40",
    }
    worker_args = ("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0.1")

    backend.enqueue(send_edition_task, [edition.pk], {})
    stalled = manage(*worker_args, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(smtp_sink.messages) < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        stalled.send_signal(signal.SIGSTOP)
        assert len(smtp_sink.messages) < 40  # stopped in the middle of its first batch
        time.sleep(3)  # past its lease
        backend.enqueue(send_edition_task, [edition.pk], {})
        other = manage(*worker_args, env=env)
        output = other.communicate(timeout=90)[0].decode()
        assert other.returncode == 0, output
    finally:
        stalled.send_signal(signal.SIGCONT)
    output = stalled.communicate(timeout=60)[0].decode()
    assert stalled.returncode == 0, output

    counts = smtp_sink.counts()
    assert [address for address, n in counts.items() if n > 1] == []
    uncertain = set(Delivery.objects.filter(status=Delivery.Status.FAILED).values_list("subscriber__email", flat=True))
    assert uncertain <= set(counts)  # only a row actually handed over is uncertain
    assert set(counts) == {s.email for s in subscribers}
    assert Edition.objects.get().status == Edition.Status.SENT
