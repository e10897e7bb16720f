"""Allow-list HTML sanitising for article bodies, on save and on wire ingest: one allow-list for both."""

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


def sanitize_html(html, *, drop_with_content=frozenset(), unwrap=frozenset()):
    """Return `html` with every tag, attribute and URL scheme outside the allow-list removed.

    The one allow-list of the site: the editor's body on every save and the wire's XHTML on ingest.
    A tag outside it is unwrapped (its text kept); a caller narrows it with `unwrap` (tags unwrapped
    too) and `drop_with_content` (the wire's scripts, media and forms: they go with their content).
    """
    if not html:
        return ""
    drop = {"script", "style", *drop_with_content}
    tags = ALLOWED_TAGS - drop - set(unwrap)
    cleaned = nh3.clean(
        html,
        tags=tags,
        clean_content_tags=drop,
        attributes={tag: names for tag, names in ALLOWED_ATTRIBUTES.items() if tag in tags},
        url_schemes=ALLOWED_URL_SCHEMES,
        allowed_classes={tag: names for tag, names in ALLOWED_CLASSES.items() if tag in tags},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()
    # The serializer writes U+00A0 as &nbsp;. French typography relies on non-breaking spaces
    # and copy must be stored byte for byte, so put the character back (same meaning in HTML).
    return cleaned.replace("&nbsp;", "\u00a0")
