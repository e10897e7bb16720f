"""Background work of the newsletter, run by `manage.py db_worker` (django-tasks-db)."""

from django.tasks import task

from newsletter import sending
from newsletter.models import Edition, Subscriber


@task(queue_name="default")
def send_edition_task(edition_id):
    """One sending worker for an edition; several run side by side, each claiming its own batches."""
    return sending.deliver_edition(edition_id=edition_id).as_dict()


@task
def start_scheduled_edition(edition_id):
    edition = Edition.objects.filter(pk=edition_id, status=Edition.Status.SCHEDULED).first()
    if edition is None:
        return False
    if edition.scheduled_at and edition.scheduled_at > sending.timezone.now():
        # Rescheduled to later since this task was booked; the later booking will start it.
        return False
    return sending.start_edition(edition=edition)


@task
def send_confirmation_task(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id, confirm_nonce__gt="").first()
    if subscriber is None:
        return False
    sending.send_confirmation(subscriber=subscriber)
    return True


def request_confirmation(*, subscriber):
    """Admin action: a fresh confirmation link for an address that is pending or unsubscribed.

    Never for bounced or complaining addresses (the provider told us to stop), nor active ones.
    """
    if subscriber.status not in (Subscriber.Status.PENDING, Subscriber.Status.UNSUBSCRIBED):
        return False
    subscriber.request_confirmation()
    send_confirmation_task.enqueue(subscriber.pk)
    return True
