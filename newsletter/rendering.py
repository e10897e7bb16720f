"""Rendering: an edition's HTML and text, once per distinct article selection, and the messages built
from them for each subscriber (their links filled in); previews and test sends for editors."""

import secrets
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr

import css_inline
from django.conf import settings
from django.core.mail import mailers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from articles.links import absolute_url
from newsletter import alerts
from newsletter.mime import EncodedBody, NewsletterEmail, build, encode_address, qp
from newsletter.models import Edition, Subscriber

UNSUBSCRIBE_PLACEHOLDER = "__NEWSLETTER_UNSUBSCRIBE_URL__"
PREFERENCES_PLACEHOLDER = "__NEWSLETTER_PREFERENCES_URL__"


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
                    "image": article.email_image(),
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
    """The byline and credit exactly as the article page shows them (one rule: Article.byline_parts)."""
    return str(article.byline_parts())


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
