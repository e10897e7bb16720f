"""Allow-list HTML sanitising for article bodies, on save and on wire ingest."""

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "img",
    "hr",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# CKEditor 5 marks captioned images <figure class="image">; no other class is kept.
ALLOWED_CLASSES = {"figure": {"image"}}


def sanitize_html(html):
    """Return `html` with every tag, attribute and URL scheme outside the allow-list removed."""
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        allowed_classes=ALLOWED_CLASSES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
    # The serializer writes U+00A0 as &nbsp;. French typography relies on non-breaking spaces
    # and copy must be stored byte for byte, so put the character back (same meaning in HTML).
    return cleaned.replace("&nbsp;", "\u00a0")
