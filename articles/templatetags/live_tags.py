"""Template helpers of live coverage: « 14 h 32 » times."""

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()


@register.filter
def heure_fr(value):
    """« 14 h 32 » in the site's time zone."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, r"G \h i")
