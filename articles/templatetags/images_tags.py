"""Template helpers for pictures: {% picture %} for library images, |with_pictures for article bodies."""

from django import template

from articles import pictures, renditions
from articles.models.images import absolute

register = template.Library()


@register.simple_tag
def picture(image, crop="16:9", sizes=pictures.BODY_SIZES, priority=False, css_class=""):
    """A responsive <picture> of `image` (lazy unless `priority`, which also asks for it first)."""
    if not image:
        return ""
    return pictures.picture(image, crop=crop, sizes=sizes, priority=priority, css_class=css_class)


@register.filter
def with_pictures(body):
    """The sanitised body with its library images as responsive pictures and their credits."""
    return pictures.render_body(body)


@register.filter
def image_credit(image):
    return pictures.credit_html(image) if image else ""


@register.simple_tag
def email_image(image):
    """{url, width, height} of `image`'s email-safe JPEG (16:9, fixed width), absolute; None without one."""
    item = renditions.best(image, "16:9", renditions.EMAIL_WIDTH) if image else None
    if item is None:
        return None
    return {"url": absolute(renditions.url(item)), "width": item["width"], "height": item["height"]}
