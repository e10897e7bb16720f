"""Pictures as readers get them: <picture>/srcset markup, and body images swapped at display.

The stored body keeps each image's original URL (what the editor inserted); `render_body` finds
the library record behind each one (one query per body) and writes a responsive <picture> with
the credit under it. Nothing here touches storage: rendition names come from Image.renditions.
"""

from html.parser import HTMLParser

from django.core.files.storage import default_storage
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from articles import renditions

# The article column is 42rem (672 px) at most; below that images span the screen.
BODY_SIZES = "(min-width: 44rem) 42rem, 100vw"


def picture(image, *, crop="16:9", sizes=BODY_SIZES, priority=False, alt=None, css_class=""):
    """A <picture> for `image` at `crop`: modern formats first, a JPEG <img> with width/height last."""
    alt = image.alt if alt is None else alt
    loading = {"fetchpriority": "high"} if priority else {"loading": "lazy"}
    jpegs = renditions.select(image, crop, "jpeg")
    if not jpegs:
        # Renditions not made yet: the (metadata-free) original, still sized so nothing shifts.
        return _img(src=image.url, alt=alt, width=image.width, height=image.height, css_class=css_class, **loading)
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        (
            (renditions.MIME_TYPES[fmt], _srcset(items), sizes)
            for fmt in renditions.formats()
            if fmt != "jpeg" and (items := renditions.select(image, crop, fmt))
        ),
    )
    fallback = renditions.best(image, crop, 640)
    largest = jpegs[-1]
    img = _img(
        src=renditions.url(fallback),
        srcset=_srcset(jpegs),
        sizes=sizes,
        alt=alt,
        width=largest["width"],
        height=largest["height"],
        css_class=css_class,
        **loading,
    )
    return format_html("<picture>{}{}</picture>", sources, img)


def _srcset(items):
    return ", ".join(f"{renditions.url(item)} {item['width']}w" for item in items)


def _img(*, src, alt, width, height, css_class="", **attributes):
    extra = {"class": css_class} if css_class else {}
    extra.update(attributes)
    if "fetchpriority" not in extra:
        extra["decoding"] = "async"
    rest = format_html_join("", ' {}="{}"', extra.items())
    return format_html('<img src="{}" alt="{}" width="{}" height="{}"{}>', src, alt, width, height, rest)


def credit_html(image):
    if not image.credit:
        return ""
    return format_html('<span class="image-credit">{}</span>', _("Photo\u00a0: %(credit)s") % {"credit": image.credit})


def media_name(src):
    """The storage name behind a media URL, or None for an outside address."""
    prefix = default_storage.url("probe")[: -len("probe")]
    if src and src.startswith(prefix) and "?" not in src and ".." not in src:
        return src[len(prefix) :]
    return None


class _ImgCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))

    handle_startendtag = handle_starttag


def images_in(html):
    """The attributes of every <img> in `html`, in order."""
    collector = _ImgCollector()
    collector.feed(html or "")
    collector.close()
    return collector.images


class _BodyRewriter(HTMLParser):
    """Re-emits sanitised HTML as it came, with each library image as a <picture> and its credit."""

    def __init__(self, lookup):
        super().__init__(convert_charrefs=False)
        self.lookup = lookup
        self.out = []
        self.figures = []  # one pending credit (or "") per open <figure>

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.out.append(self._image(dict(attrs)))
            return
        if tag == "figure":
            self.figures.append("")
        self.out.append(self.get_starttag_text())

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "figcaption" and self.figures and self.figures[-1]:
            self.out.append(" " + self.figures[-1])
            self.figures[-1] = ""
        elif tag == "figure" and self.figures:
            pending = self.figures.pop()
            if pending:
                self.out.append(f"<figcaption>{pending}</figcaption>")
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def _image(self, attrs):
        image = self.lookup.get(media_name(attrs.get("src")))
        if image is None:
            return self.get_starttag_text()
        alt = attrs.get("alt") or image.alt
        markup = picture(image, crop="free", alt=alt)
        credit = credit_html(image)
        if self.figures:
            self.figures[-1] = credit
            return markup
        return markup + (format_html(" {}", credit) if credit else "")


def render_body(html):
    """`html` (sanitised on save) with its library images as responsive pictures, credits shown."""
    from articles.models.images import Image

    # The body is sanitised on save (articles/sanitize.py); the pictures are built with format_html.
    if "<img" not in (html or ""):
        return mark_safe(html or "")  # noqa: S308
    lookup = Image.objects.by_names(media_name(attrs.get("src")) for attrs in images_in(html))
    if not lookup:
        return mark_safe(html)  # noqa: S308
    rewriter = _BodyRewriter(lookup)
    rewriter.feed(html)
    rewriter.close()
    return mark_safe("".join(rewriter.out))  # noqa: S308
