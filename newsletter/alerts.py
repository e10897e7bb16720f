"""Breaking-news alerts about a direct (articles LiveBlog), and the direct's place in digests.

An alert is an Edition of kind « alert » holding the direct's article, sent at once to the active
subscribers who chose « alertes » in their preferences (off by default, opt-in dated). It goes
through the digest's delivery ledger (newsletter/sending.py): one Delivery per subscriber, unique,
so nobody receives it twice. In a digest a direct is one item with its latest « L’essentiel ».
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from articles.models import LiveBlog, LiveEntry
from newsletter.models import Edition, EditionArticle, Frequency, Newsletter, Subscriber

ALERTS_NEWSLETTER = "alertes"
SUBJECT_MAX = 200
INTRO_MAX = 600


def record_alert_choice(subscriber, *, wanted, now=None):
    """Set the alerts preference; the first opt-in is dated (the consent), an opt-out clears it."""
    subscriber.alerts = bool(wanted)
    if not wanted:
        subscriber.alerts_consent_at = None
    elif subscriber.alerts_consent_at is None:
        subscriber.alerts_consent_at = now or timezone.now()


def alert_recipients():
    return Subscriber.objects.active().filter(alerts=True)


def live_in_period(start, end):
    """Filter on Article: running directs with an entry in (start, end], which digests include."""
    return Q(live__state=LiveBlog.State.LIVE, live__last_entry_at__gt=start, live__last_entry_at__lte=end)


def live_item(article):
    """Extra fields of a digest item for a direct: the badge and its latest summary (or last entry)."""
    live = getattr(article, "live", None)
    if live is None:
        return {}
    summary = strip_tags(live.summary).strip()
    if not summary:
        latest = LiveEntry.objects.filter(live=live, deleted_at__isnull=True).values_list("body", flat=True).first()
        summary = strip_tags(latest or "").strip()
    return {"live": live.is_live, "live_summary": Truncator(" ".join(summary.split())).chars(INTRO_MAX)}


def alerts_newsletter():
    newsletter, _created = Newsletter.objects.get_or_create(
        slug=ALERTS_NEWSLETTER, defaults={"name": str(_("Alertes")), "frequency": Frequency.DAILY}
    )
    return newsletter


def default_subject(live):
    return Truncator(_("Alerte — %(headline)s") % {"headline": live.article.headline}).chars(SUBJECT_MAX)


def default_intro(live):
    latest = LiveEntry.objects.filter(live=live, deleted_at__isnull=True).first()
    text = strip_tags(latest.body if latest else live.summary).strip()
    return Truncator(" ".join(text.split())).chars(INTRO_MAX)


def send_alert(*, live, user, subject, intro, nonce=""):
    """Create the alert edition about `live` and start sending it now. A repeated `nonce` (the form
    posted twice) returns the first edition instead of mailing everyone again."""
    if not user.has_perm("newsletter.send_edition"):
        raise PermissionDenied(_("Vous ne pouvez pas envoyer d’alerte."))
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationError(_("Indiquez l’objet de l’alerte."))
    if len(subject) > SUBJECT_MAX or len(intro or "") > INTRO_MAX:
        raise ValidationError(_("L’alerte est trop longue : objet et texte doivent rester courts."))
    if not live.article.is_published:
        raise ValidationError(_("L’article de ce direct n’est pas publié : l’alerte renverrait vers une page absente."))
    if nonce and (edition := Edition.objects.filter(nonce=nonce).first()) is not None:
        return edition
    from newsletter import editions

    now = timezone.now()
    try:
        with transaction.atomic():
            edition = Edition.objects.create(
                newsletter=alerts_newsletter(),
                kind=Edition.Kind.ALERT,
                subject=subject,
                intro=(intro or "").strip(),
                period_start=now,
                period_end=now,
                nonce=nonce,
            )
            EditionArticle.objects.create(edition=edition, article=live.article, position=10)
            editions.start_edition(edition=edition, now=now)
    except IntegrityError:
        # The same form posted twice at the same moment: the other request created it first.
        if nonce and (edition := Edition.objects.filter(nonce=nonce).first()) is not None:
            return edition
        raise
    return edition
