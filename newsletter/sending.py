"""The digest flow: assemble an edition, render it once, fan it out, hand each message over exactly once.

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
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from zoneinfo import ZoneInfo

import css_inline
from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef, Q
from django.tasks import default_task_backend
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from articles.links import absolute_url
from articles.models import Article
from newsletter import alerts
from newsletter.mime import EncodedBody, NewsletterEmail, build, encode_address, qp
from newsletter.models import Delivery, Edition, EditionArticle, Frequency, Newsletter, Subscriber

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
UNSUBSCRIBE_PLACEHOLDER = "__NEWSLETTER_UNSUBSCRIBE_URL__"
PREFERENCES_PLACEHOLDER = "__NEWSLETTER_PREFERENCES_URL__"
UNCERTAIN_ERROR = (
    "Envoi incertain : le processus d’envoi s’est arrêté pendant la remise de ce message au serveur. "
    "Non renvoyé pour ne pas risquer un doublon."
)


def setting(name):
    return getattr(settings, name)


# --- Assembling ---------------------------------------------------------------------------------


def default_subject(newsletter, when):
    day = date_format(timezone.localtime(when, PARIS), "j F Y")
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


# --- Starting -----------------------------------------------------------------------------------


def recipients_for(edition, *, section_ids):
    """Active subscribers of the edition's frequency who follow none, or one of `section_ids`
    (for an alert: every active subscriber who chose alerts)."""
    if edition.kind == Edition.Kind.ALERT:
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
        from newsletter.tasks import start_scheduled_edition

        start_scheduled_edition.using(run_after=when).enqueue(edition.pk)
    return bool(updated)


def enqueue_workers(*, edition_id, count=None, run_after=None):
    from newsletter.tasks import send_edition_task

    task = send_edition_task
    if run_after is not None and default_task_backend.supports_defer:
        task = task.using(run_after=run_after)
    for _i in range(count or setting("NEWSLETTER_PARALLEL_TASKS")):
        task.enqueue(edition_id)


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


# --- Rendering ----------------------------------------------------------------------------------


def absolute(path):
    return absolute_url(path)


def sender_domain():
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def from_address(newsletter=None):
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    display = (newsletter.from_name if newsletter else "") or name or settings.SITE_NAME
    return formataddr((display, address))


def list_headers(*, unsubscribe_url, list_id):
    """Headers the large mailbox providers require of bulk senders (RFC 2369, 2919, 8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": list_id,
    }


def inline_css(html):
    return css_inline.inline(html)


SLOTS = (UNSUBSCRIBE_PLACEHOLDER, PREFERENCES_PLACEHOLDER)


@dataclass
class Variant:
    """The edition as rendered for one set of followed sections, links left as placeholders."""

    html: str
    text: str
    article_count: int
    encoded_html: EncodedBody = field(init=False, repr=False)
    encoded_text: EncodedBody = field(init=False, repr=False)

    def __post_init__(self):
        self.encoded_html = EncodedBody(self.html, SLOTS)
        self.encoded_text = EncodedBody(self.text, SLOTS)


@dataclass
class EditionRenderer:
    """Renders an edition once per distinct article selection; only links change per subscriber."""

    edition: Edition
    articles: list = field(init=False)
    _variants: dict = field(init=False, default_factory=dict)

    def __post_init__(self):
        self.articles = list(self.edition.visible_articles())
        self.section_ids = {article.section_id for article in self.articles}
        self.list_id = formataddr((self.edition.newsletter.name, f"{self.edition.newsletter.slug}.{sender_domain()}"))
        self.from_email = from_address(self.edition.newsletter)
        self.domain = sender_domain()
        self.envelope_from = envelope_address(self.from_email)
        # reverse() once; a subscriber's links are these with their token in place of the marker.
        self.unsubscribe_pattern = absolute(reverse("newsletter:unsubscribe", args=["TOKEN"]))
        self.preferences_pattern = absolute(reverse("newsletter:preferences", args=["TOKEN"]))

    def variant(self, followed=frozenset()):
        """The rendering for a subscriber following `followed` (empty: all); None if nothing for them."""
        # An alert goes to whoever chose alerts, whatever sections they follow.
        key = frozenset(followed) & self.section_ids if followed and self.edition.kind != Edition.Kind.ALERT else None
        if key is not None and not key:
            return None
        if key not in self._variants:
            if len(self._variants) > 256:
                self._variants.clear()
            articles = self.articles if key is None else [a for a in self.articles if a.section_id in key]
            self._variants[key] = self.render(articles)
        return self._variants[key]

    def render(self, articles):
        groups = []
        for article in articles:
            if not groups or groups[-1]["section"].pk != article.section_id:
                groups.append({"section": article.section, "articles": []})
            groups[-1]["articles"].append(
                {
                    "headline": article.headline,
                    "kicker": article.kicker,
                    "standfirst": article.standfirst,
                    "credit": article_credit(article),
                    "url": absolute(article.get_absolute_url()),
                    **alerts.live_item(article),
                }
            )
        # Sections appear in the order of their first article, which the editor controls.
        merged = {}
        for group in groups:
            merged.setdefault(group["section"].pk, {"section": group["section"], "articles": []})
            merged[group["section"].pk]["articles"].extend(group["articles"])
        context = {
            "edition": self.edition,
            "newsletter": self.edition.newsletter,
            "groups": list(merged.values()),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "web_url": absolute(self.edition.get_absolute_url()),
            "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
            "preferences_url": PREFERENCES_PLACEHOLDER,
        }
        with translation.override(settings.LANGUAGE_CODE):
            template = "alert" if self.edition.kind == Edition.Kind.ALERT else "edition"
            html = inline_css(render_to_string(f"newsletter/email/{template}.html", context))
            text = render_to_string(f"newsletter/email/{template}.txt", context)
        return Variant(html=html, text=text, article_count=len(articles))

    def links(self, subscriber):
        token = subscriber.link_token()
        return {
            UNSUBSCRIBE_PLACEHOLDER: self.unsubscribe_pattern.replace("TOKEN", token),
            PREFERENCES_PLACEHOLDER: self.preferences_pattern.replace("TOKEN", token),
        }

    def headers(self, subscriber, links, *, test=None):
        headers = list_headers(unsubscribe_url=links[UNSUBSCRIBE_PLACEHOLDER], list_id=self.list_id)
        headers["Message-ID"] = message_id_for(
            edition_id=self.edition.pk, subscriber_id=subscriber.pk, test=test, domain=self.domain
        )
        return headers

    def message(self, variant, *, subscriber, to=None):
        """The message as an EmailMultiAlternatives, for any mail backend (ESPs through anymail)."""
        links = self.links(subscriber)
        html, text = variant.html, variant.text
        for slot, url in links.items():
            html, text = html.replace(slot, url), text.replace(slot, url)
        message = NewsletterEmail(
            subject=self.edition.subject,
            body=text,
            from_email=self.from_email,
            to=[to or subscriber.email],
            headers=self.headers(subscriber, links, test=to),
        )
        message.attach_alternative(html, "text/html")
        # anymail: lets tracking webhooks find the delivery again.
        message.metadata = {"edition": str(self.edition.pk), "subscriber": str(subscriber.pk)}
        message.tags = [f"edition-{self.edition.pk}"]
        return message

    def message_bytes(self, variant, *, subscriber):
        """The same message, serialised straight from the pre-encoded bodies: (bytes, Message-ID)."""
        links = self.links(subscriber)
        encoded = {slot: qp(url) for slot, url in links.items()}
        headers = self.headers(subscriber, links)
        data = build(
            from_header=self.from_email,
            to=[subscriber.email],
            subject=self.edition.subject,
            headers=headers,
            parts=[
                ("text/plain", variant.encoded_text.fill(encoded)),
                ("text/html", variant.encoded_html.fill(encoded)),
            ],
        )
        return data, headers["Message-ID"]


def article_credit(article):
    names = ", ".join(author.name for author in article.authors.all())
    byline = article.byline or names
    credit = str(article.credit)
    if byline and credit:
        return _("Par %(byline)s, %(credit)s") % {"byline": byline, "credit": credit}
    if byline:
        return _("Par %(byline)s") % {"byline": byline}
    return credit


def message_id_for(*, edition_id, subscriber_id, test=None, domain=None):
    """Stable per delivery, so a re-send of the same delivery is recognisable as a duplicate."""
    domain = domain or sender_domain()
    if test:
        return f"<newsletter.{edition_id}.test.{secrets.token_hex(6)}@{domain}>"
    return f"<newsletter.{edition_id}.{subscriber_id}@{domain}>"


def envelope_address(value):
    """The SMTP envelope form of an address: addr-spec only, domain in IDNA (see mime.encode_address)."""
    if value.isascii() and value.isprintable() and not any(c in value for c in ' <>"(),;'):
        return value  # a plain address, as forms store them: nothing to parse
    return encode_address(parseaddr(value)[1])


def send_test(*, edition, to):
    """Send the edition as a subscriber following every section would get it, to an editor's address."""
    renderer = EditionRenderer(edition)
    variant = renderer.variant()
    if variant is None:
        return False
    sample = Subscriber(pk=0, email=to, token_key="apercu")  # noqa: S106 — a sample for previews, never saved
    message = renderer.message(variant, subscriber=sample, to=to)
    message.subject = _("[Test] %(subject)s") % {"subject": edition.subject}
    mailers.default.send_messages([message])
    return True


def preview_html(*, edition, web=False):
    """The HTML exactly as a subscriber following every section receives it.

    For the public web version (`web`), the personal links lead to the sign-up page instead.
    """
    renderer = EditionRenderer(edition)
    variant = renderer.variant()
    if variant is None:
        return None
    if web:
        signup = absolute(reverse("newsletter:subscribe"))
        return variant.html.replace(UNSUBSCRIBE_PLACEHOLDER, signup).replace(PREFERENCES_PLACEHOLDER, signup)
    sample = Subscriber(pk=0, email="apercu@example.org", token_key="apercu")  # noqa: S106 — a sample for previews, never saved
    message = renderer.message(variant, subscriber=sample)
    return message.alternatives[0].content


def send_confirmation(*, subscriber):
    """The double opt-in email, French, HTML and plain text, with a signed expiring link."""
    confirm_url = absolute(reverse("newsletter:confirm", args=[subscriber.confirmation_token()]))
    unsubscribe_url = absolute(reverse("newsletter:unsubscribe", args=[subscriber.link_token()]))
    context = {
        "confirm_url": confirm_url,
        "unsubscribe_url": unsubscribe_url,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "max_age_days": setting("NEWSLETTER_CONFIRM_MAX_AGE") // 86400,
        "subscriber": subscriber,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Confirmez votre inscription à la newsletter")
        text = render_to_string("newsletter/email/confirmation.txt", context)
        html = inline_css(render_to_string("newsletter/email/confirmation.html", context))
    headers = list_headers(
        unsubscribe_url=unsubscribe_url, list_id=formataddr(("Newsletter", f"newsletter.{sender_domain()}"))
    )
    message = NewsletterEmail(subject, text, from_address(), [subscriber.email], headers=headers)
    message.attach_alternative(html, "text/html")
    mailers.default.send_messages([message])


# --- Sending ------------------------------------------------------------------------------------

CONNECTION, TRANSIENT, PERMANENT = "connection", "transient", "permanent"


def classify(error):
    """(kind, description, hard_bounce) for an exception raised while handing over one message."""
    from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused

    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (550, b""))
        detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
        return (PERMANENT, detail, True) if code >= 500 else (TRANSIENT, detail, False)
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        detail = f"{error.smtp_code} {text}"
        if error.smtp_code == 421 or error.smtp_code < 400:
            return CONNECTION, detail, False
        return (PERMANENT, detail, False) if error.smtp_code >= 500 else (TRANSIENT, detail, False)
    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
        return CONNECTION, f"{type(error).__name__}: {error}", False
    if isinstance(error, smtplib.SMTPException):
        return TRANSIENT, f"{type(error).__name__}: {error}", False
    if isinstance(error, AnymailRecipientsRefused):
        return PERMANENT, str(error)[:500], True
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        if status is None or status == 429 or status >= 500:
            return TRANSIENT, str(error)[:500], False
        return PERMANENT, str(error)[:500], False
    if isinstance(error, AnymailError):
        return TRANSIENT, str(error)[:500], False
    if isinstance(error, ValueError):  # Django refuses an address it cannot encode
        return PERMANENT, str(error)[:500], False
    raise error


class Pacer:
    """Keeps one worker under NEWSLETTER_SEND_RATE messages per second (0: no limit)."""

    def __init__(self, rate):
        self.interval = 1 / rate if rate else 0
        self.next_at = time.monotonic()

    def wait(self):
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval


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


def prepare(*, mailer, renderer, variant, subscriber):
    """What hand_over() sends: raw bytes for an SMTP connection, an EmailMessage for other backends."""
    if isinstance(mailer, SMTPBackend):
        # The SMTP backend would serialise the message itself, ~9 ms each; the bytes from the
        # pre-encoded bodies are the same message for ~0.05 ms (see newsletter/mime.py).
        data, message_id = renderer.message_bytes(variant, subscriber=subscriber)
        envelope = (renderer.envelope_from, [envelope_address(subscriber.email)])
        return data, envelope, message_id
    return renderer.message(variant, subscriber=subscriber), None, None


class ClaimLost(Exception):
    """The fence failed: another worker took this row over; this one must neither send nor record it."""


class HandedOverUncertain(Exception):
    """The connection broke after the whole message was sent, before the server's answer (RFC 1047)."""


def smtp_send(smtp, sender, recipient, data, *, fence):
    """Hand one message to an SMTP server, calling `fence()` between the server's 354 and the message.

    MAIL, RCPT and DATA are pipelined (RFC 2920) when the server offers it: one round trip instead of
    three. Refusals raise the exceptions smtplib's sendmail() raises, so classify() treats them alike.
    If `fence()` says the row is no longer ours, the connection is dropped mid-DATA (the server discards
    an unfinished message) and ClaimLost is raised. A connection lost while the server holds the whole
    message raises HandedOverUncertain; lost before, the usual SMTPServerDisconnected/OSError.
    """
    smtp.ehlo_or_helo_if_needed()
    options = [f"SIZE={len(data)}"] if smtp.has_extn("size") else []
    if smtp.has_extn("pipelining"):
        smtp.send(
            f"MAIL FROM:{smtplib.quoteaddr(sender)}{''.join(' ' + o for o in options)}\r\n"
            f"RCPT TO:{smtplib.quoteaddr(recipient)}\r\nDATA\r\n"
        )
        mail_reply, rcpt_reply, data_reply = smtp.getreply(), smtp.getreply(), smtp.getreply()
        if data_reply[0] == 354 and (mail_reply[0] != 250 or rcpt_reply[0] not in (250, 251)):
            smtp.send(b".\r\n")  # end the empty message a lenient server opened
            smtp.getreply()
    else:
        mail_reply = smtp.mail(sender, options)
        rcpt_reply = smtp.rcpt(recipient) if mail_reply[0] == 250 else None
        data_reply = None
        if rcpt_reply is not None and rcpt_reply[0] in (250, 251):
            smtp.putcmd("data")
            data_reply = smtp.getreply()
    if mail_reply[0] != 250:
        smtp._rset()
        raise smtplib.SMTPSenderRefused(*mail_reply, sender)
    if rcpt_reply[0] not in (250, 251):
        smtp._rset()
        raise smtplib.SMTPRecipientsRefused({recipient: rcpt_reply})
    if data_reply[0] != 354:
        smtp._rset()
        raise smtplib.SMTPDataError(*data_reply)
    if not fence():
        smtp.close()
        raise ClaimLost
    body = smtplib._quote_periods(data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body + b".\r\n")
    try:
        code, response = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise HandedOverUncertain(f"{type(error).__name__}: {error}") from error
    if code != 250:
        smtp._rset()
        raise smtplib.SMTPDataError(code, response)


def hand_over(*, mailer, prepared, fence):
    """Give one prepared message to the mail server or ESP; return its Message-ID or provider id."""
    payload, envelope, message_id = prepared
    # Opened once and kept: every message of the run goes over the same connection.
    mailer.open()
    if envelope is not None:
        sender, [recipient] = envelope
        smtp_send(mailer.connection, sender, recipient, payload, fence=fence)
        return message_id
    if not fence():
        raise ClaimLost
    mailer.send_messages([payload])
    provider_id = getattr(getattr(payload, "anymail_status", None), "message_id", None)
    return str(provider_id or payload.extra_headers["Message-ID"])


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
