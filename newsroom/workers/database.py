"""Long-running processes (task workers, the periodic runner) waiting out a database restart."""

import logging
import time
from contextlib import suppress

from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# What a lost connection raises: psycopg's OperationalError ("server closed the connection", "connection
# refused") and InterfaceError ("connection already closed"), wrapped by Django.
CONNECTION_ERRORS = (OperationalError, InterfaceError)


def drop_connections():
    """Forget every connection of this thread, so the next query opens a fresh one."""
    for connection in connections.all(initialized_only=True):
        with suppress(DatabaseError):  # already broken: forgetting it is all we want
            connection.close()
        connection.connection = None


def database_is_up():
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except CONNECTION_ERRORS:
        drop_connections()
        return False


def wait_for_database(*, reason="", poll=0.5, log_every=10.0, running=lambda: True):
    """Block until the database answers again (polled every `poll` seconds); return the seconds waited."""
    drop_connections()
    started = last_log = time.monotonic()
    logger.warning("database unavailable (%s): waiting for it", reason or "connection lost")
    while running() and not database_is_up():
        time.sleep(poll)
        if time.monotonic() - last_log >= log_every:
            last_log = time.monotonic()
            logger.warning("database still unavailable after %.0f s", last_log - started)
    waited = time.monotonic() - started
    logger.warning("database back after %.1f s", waited)
    return waited
