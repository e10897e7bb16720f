"""Provider feedback through anymail's tracking webhooks: stop mailing bounced and complaining addresses.

Only the ESP that sends the mail (NEWSLETTER_ESP, derived from the mail backend) has an endpoint, at
/newsletter/anymail/<esp>/tracking/; with SMTP there is none. Every call must carry the shared secret
of ANYMAIL["WEBHOOK_SECRET"] as HTTP basic auth, checked here before anymail runs (anymail alone
accepts anyone when the secret is unset); anymail then checks the ESP's signature where it signs.
Anything else is answered 401 and changes nothing.
"""

import logging
from functools import cache

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import EventType
from anymail.utils import get_anymail_setting, get_request_basic_auth
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from newsletter.forms import CONTROL_CHARACTERS
from newsletter.models import Delivery, Subscriber

logger = logging.getLogger(__name__)

SUPPRESSING = {
    EventType.BOUNCED: Subscriber.Status.BOUNCED,
    EventType.COMPLAINED: Subscriber.Status.COMPLAINED,
    EventType.UNSUBSCRIBED: Subscriber.Status.UNSUBSCRIBED,
}


def handle_tracking(sender, event, esp_name, **kwargs):
    status = SUPPRESSING.get(event.event_type)
    if status is None or not event.recipient:
        return
    if event.event_type == EventType.BOUNCED and event.reject_reason not in (None, "bounced", "invalid"):
        # Only a hard bounce removes an address; a full mailbox or a block is worth another try.
        return
    if CONTROL_CHARACTERS & set(event.recipient):
        return  # no address of ours holds a control character (and PostgreSQL refuses NUL in a query)
    reason = f"{esp_name}: {event.event_type} {event.description or event.mta_response or ''}"
    reason = " ".join("".join(" " if char in CONTROL_CHARACTERS else char for char in reason).split())
    for subscriber in Subscriber.objects.by_email(event.recipient):
        if status == Subscriber.Status.UNSUBSCRIBED:
            subscriber.unsubscribe(reason=reason)
        elif subscriber.status != status:
            subscriber.suppress(status, reason=reason)
    if event.message_id and event.event_type == EventType.BOUNCED and not CONTROL_CHARACTERS & set(event.message_id):
        # The ledger row must match both: a message id alone is guessable, and names someone else's row.
        Delivery.objects.filter(
            message_id=event.message_id, subscriber__email__iexact=event.recipient, status=Delivery.Status.SENT
        ).update(status=Delivery.Status.FAILED, error=reason[:500])


def webhook_secrets():
    value = get_anymail_setting("webhook_secret", default=[])
    if isinstance(value, str):
        value = [value]
    return [secret for secret in value if isinstance(secret, str) and secret]


@cache
def anymail_view(esp):
    """anymail's tracking view for `esp`, looked up by its URL name in anymail.urls."""
    from anymail import urls

    for pattern in urls.urlpatterns:
        if pattern.name == f"{esp}_tracking_webhook":
            return pattern.callback
    return None


def unauthorized():
    response = HttpResponse("Authentification requise.", status=401, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = 'Basic realm="newsletter-webhook", charset="UTF-8"'
    return response


@csrf_exempt
@login_not_required
def tracking(request, esp):
    if not esp or esp != settings.NEWSLETTER_ESP or anymail_view(esp) is None:
        raise Http404
    allowed = webhook_secrets()
    if not allowed:
        logger.error('Refused a %s webhook: ANYMAIL["WEBHOOK_SECRET"] is not set.', esp)
        return unauthorized()
    given = get_request_basic_auth(request) or ""
    if not any(constant_time_compare(given, secret) for secret in allowed):
        return unauthorized()
    try:
        return anymail_view(esp)(request)
    except AnymailWebhookValidationFailure:
        # The ESP's own signature did not verify.
        return unauthorized()
    except (ValueError, KeyError, TypeError, AttributeError):
        # anymail's parsers assume the ESP's JSON shape; an authenticated but malformed body lands here.
        logger.warning("Malformed %s webhook body", esp, exc_info=True)
        return HttpResponseBadRequest("Corps de requête illisible.", content_type="text/plain; charset=utf-8")
