"""Template helpers of the reading site: French dates, absolute URLs and the section navigation."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from articles import links, typography
from articles.models import Section

register = template.Library()


@register.filter
def date_fr(value, style="datetime"):
    """« 19 octobre 2023 à 14 h 05 » in the site's time zone; style "date" drops the time."""
    if not value:
        return ""
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


@register.inclusion_tag("includes/section_nav.html", takes_context=True)
def section_nav(context):
    request = context.get("request")
    return {"sections": list(Section.objects.only("name", "slug")), "path": request.path if request else ""}
