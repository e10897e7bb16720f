"""A task worker and the periodic runner outlive a PostgreSQL restart and finish the queued work.

The test runs its own PostgreSQL cluster (tests/reliability/servers.py), stops it under a running
`db_worker` and `run_periodic`, starts it again, and checks that both processes are still alive, that
every confirmation email queued before and after the outage went out exactly once.
"""

import time

import pytest

from tests.reliability.servers import PG_BIN, PostgresCluster, django_env, manage, spawn, stop_process, wait_until

pytestmark = pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries not installed")

# Makes `count` pending sign-ups and queues their confirmation emails, as the sign-up view does.
ENQUEUE = """
from newsletter.models import Subscriber
from newsletter.tasks import send_confirmation_task
for n in range({count}):
    s = Subscriber.objects.create(email=f"{prefix}{{n}}@example.org")
    s.confirmation_token(); s.save()
    send_confirmation_task.enqueue(s.pk)
"""
RESULTS = """
from django_tasks_db.models import DBTaskResult
print(sorted(DBTaskResult.objects.values_list("status", flat=True)))
"""


@pytest.fixture
def cluster():
    cluster = PostgresCluster()
    try:
        cluster.start()
        cluster.createdb()
        yield cluster
    finally:
        cluster.destroy()


def sent(folder):
    return sorted(path.read_bytes().split(b"\nTo: ", 1)[1].split(b"\n", 1)[0] for path in folder.glob("*.eml"))


def test_worker_and_periodic_runner_survive_a_database_restart(cluster, tmp_path):
    env = django_env(
        DATABASE_URL=cluster.url(),
        VAR_DIR=str(tmp_path),
        EMAIL_BACKEND="newsroom.mail.DevelopmentEmailBackend",
        CONN_MAX_AGE="60",  # persistent connections: the ones the restart breaks
    )
    manage("migrate", "--no-input", "-v0", env=env, timeout=300)
    worker = spawn(
        "db_worker", "--interval", "0.2", "--no-reload", "--no-startup-delay", env=env, log=tmp_path / "w.log"
    )
    periodic = spawn("run_periodic", "--interval", "0.5", env=env, log=tmp_path / "p.log")
    mail = tmp_path / "mail"
    try:
        manage("shell", "-c", ENQUEUE.format(count=3, prefix="avant"), env=env)
        wait_until(lambda: len(sent(mail)) == 3, timeout=60, what="3 confirmations before the outage")

        cluster.stop()
        time.sleep(3)
        assert worker.poll() is None, (tmp_path / "w.log").read_text()
        assert periodic.poll() is None, (tmp_path / "p.log").read_text()
        cluster.start()
        back = time.monotonic()

        manage("shell", "-c", ENQUEUE.format(count=3, prefix="apres"), env=env)
        wait_until(lambda: len(sent(mail)) == 6, timeout=60, what="3 confirmations after the outage")
        recovered_in = time.monotonic() - back
        assert worker.poll() is None and periodic.poll() is None
        statuses = manage("shell", "-v0", "-c", RESULTS, env=env).stdout.strip()
        assert statuses == str(["SUCCESSFUL"] * 6)
        addresses = sent(mail)
        assert len(set(addresses)) == 6  # each address once: nothing lost, nothing twice
        print(f"worker and runner alive; queued work done {recovered_in:.1f} s after the restart")
        assert "database unavailable" in (tmp_path / "w.log").read_text()
    finally:
        stop_process(worker)
        stop_process(periodic)
