"""Template helpers of the reading site: French dates, absolute URLs and the section navigation."""

import functools

from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format

from articles import links, teasers, typography
from articles.models import Section

register = template.Library()


@register.filter
def date_fr(value, style="datetime"):
    """« 19 octobre 2023 à 14 h 05 » in the site's time zone; style "date" drops the time."""
    if not value:
        return ""
    return _date_fr(value, style, timezone.get_current_timezone_name(), translation.get_language())


@functools.lru_cache(maxsize=4096)
def _date_fr(value, style, zone, language):
    """date_fr for one time zone and language (both in the key): a listing formats the same publish
    times on every build, and two locale-aware date_format calls per teaser add up."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    # Month names come from Django's French locale; the ordinal « 1er » is ours to add.
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {date_format(value, 'F Y')}"
    if style == "date":
        return text
    return f"{text} à {date_format(value, r'G \h i')}"


@register.filter
def absolute(location):
    """`{{ article|absolute }}`, `{{ request.path|absolute }}`: the URL from SITE_URL (articles.links)."""
    return links.absolute_url(location)


@register.filter
def typo(value):
    """French typography on display (articles.typography): `{{ article.headline|typo }}`,
    `{{ article.body|safe|typo }}`. Plain text is escaped first; the stored text never changes."""
    return typography.typeset(value)


@register.filter
def typo_text(value):
    """The same spaces for plain-text places (<title>, attributes, email subjects): no markup added."""
    return typography.french_text(value)


@register.simple_tag(takes_context=True)
def section_nav(context):
    """includes/section_nav.html, on every page. The sections are read each time (a rename shows at
    once); the HTML is rendered once per process for each list of sections, and per section page
    (the one link marked as the current page), not per path."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = request.path if match is not None and match.url_name == "section" else ""
    rows = tuple(Section.objects.values_list("pk", "name", "slug"))

    def make_context():
        return {"sections": [Section(pk=pk, name=name, slug=slug) for pk, name, slug in rows], "path": current}

    key = ("section_nav", rows, current, teasers.request_setting())
    return teasers.render_once(key, "includes/section_nav.html", make_context)


@register.simple_tag
def teaser(article, **options):
    """`{% teaser article level="h3" compact=True %}`: includes/teaser.html, reused while the story is
    unchanged (articles.teasers)."""
    return teasers.render(article, **options)
