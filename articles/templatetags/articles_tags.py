"""Template helpers of the reading site: French dates and the section navigation."""

from django import template
from django.utils import timezone

from articles.models import Section

register = template.Library()

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@register.filter
def date_fr(value, style="datetime"):
    """« 19 octobre 2023 à 14 h 05 » in the site's time zone; style "date" drops the time."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[value.month - 1]} {value.year}"
    if style == "date":
        return text
    return f"{text} à {value.hour} h {value.minute:02d}"


@register.inclusion_tag("includes/section_nav.html", takes_context=True)
def section_nav(context):
    request = context.get("request")
    return {"sections": list(Section.objects.only("name", "slug")), "path": request.path if request else ""}
