"""The double opt-in email: sent by a task after a sign-up (views) or an admin's request."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from newsletter.mime import NewsletterEmail
from newsletter.models import Subscriber
from newsletter.rendering import absolute, from_address, inline_css, list_headers, sender_domain


def send_confirmation(*, subscriber):
    """The double opt-in email, French, HTML and plain text, with a signed expiring link."""
    confirm_url = absolute(reverse("newsletter:confirm", args=[subscriber.confirmation_token()]))
    unsubscribe_url = absolute(reverse("newsletter:unsubscribe", args=[subscriber.link_token()]))
    context = {
        "confirm_url": confirm_url,
        "unsubscribe_url": unsubscribe_url,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "max_age_days": settings.NEWSLETTER_CONFIRM_MAX_AGE // 86400,
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


@task
def send_confirmation_task(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id, confirm_nonce__gt="").first()
    if subscriber is None:
        return False
    send_confirmation(subscriber=subscriber)
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
