import re

from django.utils import timezone

from newsletter.models import Newsletter, Subscriber


def make_subscriber(email=None, *, sections=(), **overrides):
    """An active, confirmed subscriber unless overridden."""
    now = timezone.now()
    fields = {
        "email": email or f"lecteur{Subscriber.objects.count() + 1}@example.org",
        "status": Subscriber.Status.ACTIVE,
        "consent_at": now,
        "consent_version": "test",
        "confirmed_at": now,
    }
    fields.update(overrides)
    subscriber = Subscriber.objects.create(**fields)
    if sections:
        subscriber.sections.set(sections)
    return subscriber


def daily():
    return Newsletter.objects.get(slug="essentiel-quotidien")


def weekly():
    return Newsletter.objects.get(slug="essentiel-hebdomadaire")


def text_part(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message):
    return message.get_body(preferencelist=("html",)).get_content()


def link(text, name):
    """The first absolute link to the newsletter view `name` (its URL path segment) in `text`."""
    match = re.search(rf"https?://[^\s\"<>]+/newsletter/{name}/[^\s\"<>]+/", text)
    assert match, f"no {name} link in {text[:500]}"
    return match.group(0)
