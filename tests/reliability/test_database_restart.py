"""A task worker, the periodic runner and the web server outlive a PostgreSQL restart.

The tests run their own PostgreSQL cluster (tests/reliability/servers.py). The first stops it under a
running `db_worker` and `run_periodic`, starts it again, and checks that both processes are still
alive, that every confirmation email queued before and after the outage went out exactly once. The
second restarts it under gunicorn and checks that the next page is served, not a 500.
"""

import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.reliability.servers import (
    PG_BIN,
    ROOT,
    PostgresCluster,
    django_env,
    free_port,
    manage,
    port_open,
    spawn,
    stop_process,
    wait_until,
)

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


def status(url, data=None):
    try:
        with urllib.request.urlopen(url, data=data, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_first_page_after_a_database_restart_is_served(cluster, tmp_path):
    # Reported: a page built right after PostgreSQL restarted answered 500. The plan cache mode switch
    # (articles/plans.py) was sent on the worker's dead persistent connection before Django's health
    # check could replace it.
    env = django_env(DATABASE_URL=cluster.url(), VAR_DIR=str(tmp_path), CONN_MAX_AGE="60", PAGE_CACHE_SECONDS="0")
    manage("migrate", "--no-input", "-v0", env=env, timeout=300)
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    site = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: port_open(port), timeout=60, what="gunicorn listening")
        assert [status(f"{site}/") for _ in range(7)] == [200] * 7  # prepared by now
        assert status(f"{site}/newsletter/", data=b"email=x") == 400  # another kind of request
        cluster.stop()
        cluster.start()
        assert status(f"{site}/") == 200, (tmp_path / "gunicorn.log").read_text()
    finally:
        stop_process(server)
