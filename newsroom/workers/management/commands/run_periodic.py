"""`manage.py run_periodic`: the site's periodic jobs, so that no cron line is needed.

Every `--interval` seconds (60): assemble and start the automatic editions that are due, start the
scheduled editions whose time has come and relaunch stalled sendings (`assemble_editions`), ingest
the AFP drop folder (`WIRE_DROP_DIR`), and remind journalists of topics due soon (the desk).
`--once` runs one round and exits (for a cron line or a systemd timer instead of the loop).

Safe to run twice, on one machine or several: each job is idempotent (editions are checked under a row
lock, wire items keyed on guid + version, a drop-folder file moved by one runner is skipped by the
other), and on PostgreSQL a round takes an advisory lock so two runners do not even overlap. A
database restart is waited out (newsroom.workers.database), like the task workers do.
"""

import logging
import signal
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from articles.notifications import notify_due_soon
from articles.tasks import ingest_folder
from newsroom.workers.database import CONNECTION_ERRORS, wait_for_database

logger = logging.getLogger(__name__)
# pg_try_advisory_lock key: "newsroom periodic jobs".
LOCK_KEY = 0x6E65777372_01


@contextmanager
def round_lock():
    """True when this process may run the round (always on SQLite; one runner at a time on PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


class Command(BaseCommand):
    help = "Run the periodic jobs (editions due, scheduled editions, the wire drop folder, due topics) every minute."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between rounds (default 60).")
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")

    def handle(self, *, interval, once, verbosity, **options):
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        while self.running:
            started = time.monotonic()
            try:
                self.round(verbosity=verbosity)
            except CONNECTION_ERRORS as error:
                if once:
                    raise
                wait_for_database(reason=str(error).strip(), running=lambda: self.running)
                continue
            if once:
                return
            while self.running and time.monotonic() - started < interval:
                time.sleep(min(1.0, interval))

    def stop(self, signum, frame):
        logger.info("run_periodic: %s received, stopping after this round", signal.strsignal(signum))
        self.running = False

    def round(self, *, verbosity):
        with round_lock() as acquired:
            if not acquired:
                if verbosity > 1:
                    self.stdout.write("Another run_periodic holds the round; skipping.")
                return
            call_command("assemble_editions", verbosity=verbosity, stdout=self.stdout)
            counts = ingest_folder(drop_dir=settings.WIRE_DROP_DIR)
            # Each topic's « échéance proche » reminder is claimed once (articles/notifications.py).
            reminded = notify_due_soon()
            if reminded and verbosity > 0:
                self.stdout.write(f"Due topics reminded: {reminded}")
            if counts:
                self.stdout.write("Wire drop folder: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
