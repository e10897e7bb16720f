"""Provider feedback through anymail's tracking webhooks: stop mailing bounced and complaining addresses.

anymail's webhook views (mounted at /newsletter/anymail/<esp>/tracking/) check authenticity the way
each ESP provides (the WEBHOOK_SECRET basic auth, plus signatures where the ESP signs) before they
send the `tracking` signal this module receives.
"""

from anymail.signals import EventType

from newsletter.models import Delivery, Subscriber

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
    reason = f"{esp_name}: {event.event_type} {event.description or event.mta_response or ''}".strip()
    for subscriber in Subscriber.objects.by_email(event.recipient):
        if status == Subscriber.Status.UNSUBSCRIBED:
            subscriber.unsubscribe(reason=reason)
        elif subscriber.status != status:
            subscriber.suppress(status, reason=reason)
    if event.message_id and event.event_type == EventType.BOUNCED:
        Delivery.objects.filter(message_id=event.message_id).update(status=Delivery.Status.FAILED, error=reason[:500])
