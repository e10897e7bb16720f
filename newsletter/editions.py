"""Editions: assemble one from the stories published since the last, start it (one queued delivery per
recipient), schedule it, and start what is due. Sending them is newsletter.sending."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import default_task_backend, task
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from articles.models import Article
from newsletter import alerts
from newsletter.models import Delivery, Edition, EditionArticle, Frequency, Newsletter, Subscriber
from newsletter.sending import enqueue_workers, finish_if_done, setting

PARIS = ZoneInfo("Europe/Paris")


def default_subject(newsletter, when):
    day = date_format(timezone.localtime(when, PARIS), "DATE_FORMAT")  # « 1er décembre 2026 »
    if newsletter.frequency == Frequency.WEEKLY:
        return _("%(name)s — la semaine du %(day)s") % {"name": newsletter.name, "day": day}
    return _("%(name)s — %(day)s") % {"name": newsletter.name, "day": day}


def assemble_edition(*, newsletter, now=None, automatic=False):
    """A draft edition of the stories published since the newsletter's previous edition."""
    now = now or timezone.now()
    previous = newsletter.editions.order_by("-period_end").first()
    if previous is not None:
        start = previous.period_end
    else:
        start = now - (timedelta(days=7) if newsletter.frequency == Frequency.WEEKLY else timedelta(days=1))
    articles = (
        Article.objects.published()
        .filter(Q(publish_at__gt=start, publish_at__lte=now) | alerts.live_in_period(start, now))
        .order_by("section__order", "-publish_at")
        .values_list("id", flat=True)
    )
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        edition = Edition.objects.create(
            newsletter=newsletter,
            subject=default_subject(newsletter, now),
            period_start=start,
            period_end=now,
            automatic=automatic,
        )
        EditionArticle.objects.bulk_create(
            EditionArticle(edition=edition, article_id=article_id, position=(i + 1) * 10)
            for i, article_id in enumerate(articles)
        )
    return edition


def latest_slot(frequency, now):
    """The most recent automatic sending time at or before `now`: 07:00 Paris, daily or on Monday."""
    local = timezone.localtime(now, PARIS)
    slot = local.replace(hour=7, minute=0, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        slot -= timedelta(days=slot.weekday())
    # Rebuild through the zone so a slot across a DST change stays 07:00 local time.
    return datetime(slot.year, slot.month, slot.day, 7, tzinfo=PARIS)


def assemble_due_editions(*, now=None):
    """Assemble and start the automatic editions whose time has come; return them.

    Safe to run from several machines at once: the newsletter row is locked while it is checked.
    """
    now = now or timezone.now()
    editions = []
    for newsletter_id in Newsletter.objects.filter(auto_send=True).values_list("id", flat=True):
        with transaction.atomic():
            newsletter = Newsletter.objects.select_for_update().get(pk=newsletter_id)
            slot = latest_slot(newsletter.frequency, now)
            if newsletter.editions.filter(automatic=True, period_end__gte=slot).exists():
                continue
            edition = assemble_edition(newsletter=newsletter, now=now, automatic=True)
        start_edition(edition=edition, now=now)
        editions.append(edition)
    return editions


def start_due_editions(*, now=None):
    """Start scheduled editions whose time has passed and relaunch stalled ones; return how many."""
    now = now or timezone.now()
    started = 0
    for edition in Edition.objects.filter(status=Edition.Status.SCHEDULED, scheduled_at__lte=now):
        started += start_edition(edition=edition, now=now)
    lease = timedelta(seconds=setting("NEWSLETTER_LEASE_SECONDS"))
    stalled = Edition.objects.filter(status=Edition.Status.SENDING).filter(
        Exists(
            Delivery.objects.filter(edition=OuterRef("pk")).filter(
                Q(status=Delivery.Status.QUEUED, next_attempt_at__isnull=True)
                | Q(status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
                | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - lease)
            )
        )
    )
    for edition in stalled:
        enqueue_workers(edition_id=edition.pk, count=1)
    return started


def recipients_for(edition, *, section_ids):
    """Active subscribers of the edition's frequency who follow none, or one of `section_ids`."""
    if edition.kind == Edition.Kind.ALERT:  # alerts: every active subscriber who chose them
        return Subscriber.objects.active().filter(alerts=True)
    through = Subscriber.sections.through
    return (
        Subscriber.objects.active()
        .filter(frequency=edition.newsletter.frequency)
        .filter(
            ~Exists(through.objects.filter(subscriber_id=OuterRef("pk")))
            | Exists(through.objects.filter(subscriber_id=OuterRef("pk"), section_id__in=section_ids))
        )
    )


def start_edition(*, edition, now=None, enqueue=True):
    """Move a draft or scheduled edition to sending: one queued delivery per recipient, then workers.

    Idempotent: an edition already sending or sent is left alone (returns False).
    """
    now = now or timezone.now()
    with transaction.atomic():
        moved = Edition.objects.filter(
            pk=edition.pk, status__in=[Edition.Status.DRAFT, Edition.Status.SCHEDULED]
        ).update(status=Edition.Status.SENDING, started_at=now)
        if not moved:
            return False
        edition.refresh_from_db()
        section_ids = set(edition.visible_articles().values_list("section_id", flat=True))
        if section_ids:
            queue_deliveries(edition=edition, recipients=recipients_for(edition, section_ids=section_ids))
    if not section_ids:
        finish_if_done(edition_id=edition.pk)
    elif enqueue:
        # With the database backend the task rows commit with the caller's transaction, if any.
        enqueue_workers(edition_id=edition.pk)
    return True


def queue_deliveries(*, edition, recipients):
    """One queued Delivery per recipient, in a single INSERT … SELECT: no subscriber goes through Python,
    so a list of any size takes one statement and no memory (the ORM has no INSERT … SELECT)."""
    select, params = recipients.order_by().values("id").query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (edition_id, subscriber_id, status, attempts, error, message_id, claim) "  # noqa: S608
            f"SELECT %s, recipient.id, %s, 0, '', '', '' FROM ({select}) recipient WHERE true "
            "ON CONFLICT DO NOTHING",
            [edition.pk, Delivery.Status.QUEUED, *params],
        )


def schedule_edition(*, edition, when):
    """Schedule a draft edition. A worker starts it at `when` (or assemble_editions, run every minute)."""
    updated = Edition.objects.filter(pk=edition.pk, status__in=[Edition.Status.DRAFT, Edition.Status.SCHEDULED]).update(
        status=Edition.Status.SCHEDULED, scheduled_at=when
    )
    if updated and default_task_backend.supports_defer:
        start_scheduled_edition.using(run_after=when).enqueue(edition.pk)
    return bool(updated)


@task
def start_scheduled_edition(edition_id):
    edition = Edition.objects.filter(pk=edition_id, status=Edition.Status.SCHEDULED).first()
    if edition is None:
        return False
    if edition.scheduled_at and edition.scheduled_at > timezone.now():
        # Rescheduled to later since this task was booked; the later booking will start it.
        return False
    return start_edition(edition=edition)
