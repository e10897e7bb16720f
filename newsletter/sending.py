"""The delivery ledger: hand each message of an edition over exactly once, on any number of workers.

Exactly-once rests on the Delivery ledger (one row per edition and subscriber, unique):

* A worker *claims* a small batch of queued rows in one short transaction (PostgreSQL:
  ``SELECT … FOR UPDATE SKIP LOCKED``; SQLite: the IMMEDIATE transaction serialises writers) and marks
  them ``sending`` with a fresh claim token (the fencing token) and ``claimed_at`` (a lease it renews).
* Right before the message itself goes to the server, ``fence()`` checks under the row lock that the row
  still carries the token within its lease and marks it ``handed_over_at``; a worker that stalled past
  its lease finds its rows taken over and abandons the batch without sending or recording anything.
* Each outcome (sent, retry, failed, skipped) is committed right after the server answers, guarded by
  the token. Connection-level failures (refused, dropped, 421) spend no attempt.
* A dead worker's rows are recovered after the lease: those never handed over are re-queued; the one it
  was handing over is *uncertain* (perhaps accepted, perhaps not), marked failed with a clear reason and
  not sent again (a subscriber is never mailed twice) unless NEWSLETTER_RESEND_UNCERTAIN is on.
* Every message carries a Message-ID derived from its delivery, the same on every attempt.
"""

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import Min, Q
from django.tasks import default_task_backend, task
from django.utils import timezone

from newsletter.handover import (
    CONNECTION,
    PERMANENT,
    ClaimLost,
    HandedOverUncertain,
    Pacer,
    classify,
    hand_over,
    prepare,
)
from newsletter.models import Delivery, Edition, Subscriber
from newsletter.rendering import EditionRenderer

logger = logging.getLogger(__name__)

UNCERTAIN_ERROR = (
    "Envoi incertain : le processus d’envoi s’est arrêté pendant la remise de ce message au serveur. "
    "Non renvoyé pour ne pas risquer un doublon."
)


def setting(name):
    return getattr(settings, name)


def enqueue_workers(*, edition_id, count=None, run_after=None):
    worker = send_edition_task
    if run_after is not None and default_task_backend.supports_defer:
        worker = worker.using(run_after=run_after)
    for _i in range(count or setting("NEWSLETTER_PARALLEL_TASKS")):
        worker.enqueue(edition_id)


def finish_if_done(*, edition_id, now=None):
    """Mark the edition sent once no delivery is left queued or in flight."""
    pending = Delivery.objects.filter(
        edition_id=edition_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    )
    if pending.exists():
        return False
    return bool(
        Edition.objects.filter(pk=edition_id, status=Edition.Status.SENDING).update(
            status=Edition.Status.SENT, finished_at=now or timezone.now()
        )
    )


def recover_stale_claims(*, edition_id, now=None):
    """Re-queue the rows of expired leases never handed over; settle the ones that were as uncertain."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=setting("NEWSLETTER_LEASE_SECONDS"))
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(edition_id=edition_id, status=Delivery.Status.SENDING, claimed_at__lt=cutoff)
            .values_list("id", "handed_over_at")
        )
        if not rows:
            return 0
        uncertain = [delivery_id for delivery_id, handed_over_at in rows if handed_over_at is not None]
        untried = [delivery_id for delivery_id, handed_over_at in rows if handed_over_at is None]
        Delivery.objects.filter(id__in=untried).update(status=Delivery.Status.QUEUED, **RELEASED)
        if setting("NEWSLETTER_RESEND_UNCERTAIN"):
            Delivery.objects.filter(id__in=uncertain).update(
                status=Delivery.Status.QUEUED, error=UNCERTAIN_ERROR, **RELEASED
            )
        elif uncertain:
            Delivery.objects.filter(id__in=uncertain).update(
                status=Delivery.Status.FAILED, error=UNCERTAIN_ERROR, **RELEASED
            )
            logger.warning("Edition %s: %d uncertain deliveries not re-sent", edition_id, len(uncertain))
    return len(rows)


def claim_batch(*, edition_id, claim, size, now=None):
    """Atomically take up to `size` queued deliveries for this worker, lowest ids first."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(edition_id=edition_id, status=Delivery.Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .values_list("id", flat=True)[:size]
        )
        if ids:
            Delivery.objects.filter(id__in=ids).update(
                status=Delivery.Status.SENDING, claim=claim, claimed_at=now, handed_over_at=None
            )
    if not ids:
        return []
    return list(
        Delivery.objects.filter(id__in=ids, claim=claim)
        .select_related("subscriber")
        .only(
            "id",
            "attempts",
            "edition_id",
            "subscriber__id",
            "subscriber__email",
            "subscriber__status",
            "subscriber__paused",
            "subscriber__token_key",
        )
        .order_by("id")
    )


def fence(delivery, claim):
    """The check under lock right before a message goes to the server; True if this worker still owns it.

    The claim is the fencing token: the row must still carry it, be `sending` and be within its lease.
    Marks the row handed over (so that, should this worker die now, the row is uncertain rather than
    re-queued) and renews its lease. recover_stale_claims() takes the same row lock, so either the fence
    passes and the recovery sees a handed-over row, or the recovery wins and the fence fails.
    """
    table = connection.ops.quote_name(Delivery._meta.db_table)
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET handed_over_at = %s, claimed_at = %s "  # noqa: S608
            "WHERE id = %s AND claim = %s AND status = %s AND claimed_at > %s",
            [
                adapt(now),
                adapt(now),
                delivery.pk,
                claim,
                Delivery.Status.SENDING,
                adapt(now - timedelta(seconds=setting("NEWSLETTER_LEASE_SECONDS"))),
            ],
        )
        return cursor.rowcount == 1


def renew_lease(claim):
    """Extend the lease of a claim's rows still within it (a long batch); expired rows stay expired."""
    now = timezone.now()
    lease = timedelta(seconds=setting("NEWSLETTER_LEASE_SECONDS"))
    return Delivery.objects.filter(claim=claim, status=Delivery.Status.SENDING, claimed_at__gt=now - lease).update(
        claimed_at=now
    )


def followed_sections(subscriber_ids):
    through = Subscriber.sections.through
    followed = {}
    for subscriber_id, section_id in through.objects.filter(subscriber_id__in=subscriber_ids).values_list(
        "subscriber_id", "section_id"
    ):
        followed.setdefault(subscriber_id, set()).add(section_id)
    return followed


RELEASED = {"claim": "", "claimed_at": None, "handed_over_at": None}


def _settle(delivery, claim, **fields):
    """Commit one delivery's outcome, guarded by the claim so a reclaimed row is never overwritten."""
    return Delivery.objects.filter(pk=delivery.pk, claim=claim, status=Delivery.Status.SENDING).update(
        **RELEASED, **fields
    )


def _settle_sent(delivery, claim, *, message_id):
    """_settle(status=SENT…) in plain SQL: it runs once per message, and the ORM would double its cost."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, attempts = attempts + 1, message_id = %s, "  # noqa: S608
            "error = '', claim = '', claimed_at = NULL, handed_over_at = NULL "
            "WHERE id = %s AND claim = %s AND status = %s",
            [
                Delivery.Status.SENT,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                message_id[:255],
                delivery.pk,
                claim,
                Delivery.Status.SENDING,
            ],
        )
        return cursor.rowcount


def backoff(attempts):
    base = setting("NEWSLETTER_RETRY_BACKOFF")
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


@dataclass
class RunResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0
    lost: int = 0  # messages this worker gave up because its claim was taken over (it had stalled)
    interrupted: str = ""

    def as_dict(self):
        return {
            "sent": self.sent,
            "failed": self.failed,
            "retried": self.retried,
            "skipped": self.skipped,
            "lost": self.lost,
            "interrupted": self.interrupted,
        }


def deliver_batch(*, batch, claim, renderer, mailer, pacer, result):
    """Send one claimed batch in id order, committing each outcome before the next message.

    Returns False when the mail server is unreachable (the rest of the batch is released). A
    connection-level failure (refused, dropped, 421) spends none of the recipient's attempts: the row
    is tried again on a fresh connection, and after a second failure in a row the run stops and the
    edition waits to be resumed.
    """
    followed = followed_sections([delivery.subscriber_id for delivery in batch])
    pending = list(batch)
    connection_failures = 0
    renew_every = setting("NEWSLETTER_LEASE_SECONDS") / 3
    renew_at = time.monotonic() + renew_every
    try:
        while pending:
            delivery = pending[0]
            subscriber = delivery.subscriber
            variant = renderer.variant(frozenset(followed.get(subscriber.pk, ()))) if subscriber.is_receiving else None
            if variant is None:
                reason = "Rien de nouveau dans ses rubriques" if subscriber.is_receiving else "Abonné parti"
                _settle(delivery, claim, status=Delivery.Status.SKIPPED, error=reason)
                result.skipped += 1
                pending.pop(0)
                continue
            pacer.wait()
            if time.monotonic() >= renew_at:
                renew_lease(claim)
                renew_at = time.monotonic() + renew_every
            try:
                prepared = prepare(mailer=mailer, renderer=renderer, variant=variant, subscriber=subscriber)
                message_id = hand_over(mailer=mailer, prepared=prepared, fence=lambda d=delivery: fence(d, claim))
            except ClaimLost:
                # This worker stalled past its lease and another one took its rows: stop this batch.
                mailer.close()
                result.lost += 1
                logger.warning("Edition %s: claim %s taken over, batch abandoned", delivery.edition_id, claim)
                return True
            except HandedOverUncertain as error:
                mailer.close()
                settle_uncertain(delivery, claim, detail=str(error))
                result.failed += 1
                pending.pop(0)
                connection_failures += 1
                if connection_failures >= 2:
                    result.interrupted = str(error)
                    return False
                continue
            except Exception as error:
                kind, detail, hard_bounce = classify(error)  # re-raises the unexpected: row stays uncertain
            else:
                if not _settle_sent(delivery, claim, message_id=message_id):
                    # Handed over after the fence, but the row was recovered meanwhile (as uncertain).
                    result.lost += 1
                else:
                    result.sent += 1
                connection_failures = 0
                pending.pop(0)
                continue
            if kind == CONNECTION:
                # Nothing was handed over: retry this row on a new connection, attempts untouched.
                mailer.close()
                connection_failures += 1
                if connection_failures >= 2:
                    result.interrupted = detail
                    logger.warning("Edition %s: mail server unavailable, paused: %s", delivery.edition_id, detail)
                    # Refused before the message itself: not handed over, whatever the fence marked.
                    _settle(delivery, claim, status=Delivery.Status.QUEUED)
                    pending.pop(0)
                    return False
                continue
            attempts = delivery.attempts + 1
            if kind == PERMANENT or attempts >= setting("NEWSLETTER_MAX_ATTEMPTS"):
                _settle(delivery, claim, status=Delivery.Status.FAILED, attempts=attempts, error=detail)
                if hard_bounce:
                    subscriber.suppress(Subscriber.Status.BOUNCED, reason=detail)
                result.failed += 1
            else:
                _settle(
                    delivery,
                    claim,
                    status=Delivery.Status.QUEUED,
                    attempts=attempts,
                    error=detail,
                    next_attempt_at=timezone.now() + backoff(attempts),
                )
                result.retried += 1
            pending.pop(0)
        return True
    finally:
        if pending:
            # Stopped early (server down, claim lost, or an exception): give the rows still ours back now
            # rather than after the lease. The one whose hand-over an exception interrupted keeps
            # `handed_over_at` and stays "sending", for recover_stale_claims() to settle as uncertain.
            Delivery.objects.filter(id__in=[d.pk for d in pending], claim=claim, handed_over_at__isnull=True).update(
                status=Delivery.Status.QUEUED, **RELEASED
            )


def settle_uncertain(delivery, claim, *, detail):
    resend = setting("NEWSLETTER_RESEND_UNCERTAIN")
    _settle(
        delivery,
        claim,
        status=Delivery.Status.QUEUED if resend else Delivery.Status.FAILED,
        error=f"{UNCERTAIN_ERROR} ({detail})"[:500],
    )
    logger.warning("Delivery %s: connection lost before the server answered: uncertain", delivery.pk)


def deliver_edition(*, edition_id, batch_size=None, rate=None, progress=None, max_messages=None):
    """Send this edition's queued deliveries until none is left; safe to run on many workers at once."""
    edition = Edition.objects.select_related("newsletter").get(pk=edition_id)
    result = RunResult()
    if edition.status != Edition.Status.SENDING:
        return result
    recover_stale_claims(edition_id=edition_id)
    renderer = EditionRenderer(edition)
    pacer = Pacer(setting("NEWSLETTER_SEND_RATE") if rate is None else rate)
    size = batch_size or setting("NEWSLETTER_BATCH_SIZE")
    mailer = mailers.default
    relaxed = setting("NEWSLETTER_ASYNC_COMMIT") and connection.vendor == "postgresql"
    if relaxed:
        # See NEWSLETTER_ASYNC_COMMIT in docs/newsletter.md: this worker no longer waits for the WAL flush
        # of each "sent" row. A worker crash loses nothing; a database server crash may lose the last
        # fraction of a second of rows, whose messages could then be sent again.
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    try:
        while True:
            claim = secrets.token_hex(8)  # a fresh fencing token per lease
            batch = claim_batch(edition_id=edition_id, claim=claim, size=size)
            if not batch:
                break
            if not deliver_batch(
                batch=batch, claim=claim, renderer=renderer, mailer=mailer, pacer=pacer, result=result
            ):
                break
            if progress:
                progress(result)
            if max_messages is not None and result.sent >= max_messages:
                break
    finally:
        mailer.close()
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    if not finish_if_done(edition_id=edition_id) and default_task_backend.supports_defer:
        # Retries wait for their back-off; a worker is booked for then. (assemble_editions, run every
        # minute, also relaunches any edition left with due rows, e.g. with a backend that cannot defer.)
        if result.interrupted:
            resume_at = timezone.now() + backoff(1)
        else:
            resume_at = Delivery.objects.filter(edition_id=edition_id, status=Delivery.Status.QUEUED).aggregate(
                at=Min("next_attempt_at")
            )["at"]
        if resume_at is not None:
            enqueue_workers(edition_id=edition_id, count=1, run_after=max(resume_at, timezone.now()))
    return result


@task(queue_name="default")
def send_edition_task(edition_id):
    """One sending worker for an edition; several run side by side, each claiming its own batches."""
    return deliver_edition(edition_id=edition_id).as_dict()
