"""Renditions of library images: made once per (original, focal point), through Django's storage API.

easy-thumbnails' processors do the work (colour space, scale-and-crop around a focal point
`target`); what was made is recorded on the Image row (`Image.renditions`), so pages choose a
rendition from that JSON without touching storage or the database again. A row lock makes sure
two workers never make the same set at the same time: the second waits, then finds it done.
"""

import hashlib
import io
import math

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from easy_thumbnails.processors import colorspace, scale_and_crop
from PIL import Image as PILImage

# Bump when what is made changes (widths, encoders, qualities): every image gets a new set.
SPEC_VERSION = 1
RATIOS = {"16:9": 16 / 9, "4:3": 4 / 3, "1:1": 1.0, "free": None}
WIDTHS = (320, 640, 960, 1280, 1600)
# Social cards and structured data: 1200 px wide JPEGs at each ratio (og:image is the 16:9 one, 1200 × 675).
SOCIAL_WIDTH = 1200
SOCIAL_RATIOS = ("16:9", "4:3", "1:1")
EMAIL_WIDTH = 600
MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
_ENCODERS = {
    "avif": ("AVIF", {"quality": 55, "speed": 8}),
    "webp": ("WEBP", {"quality": 72, "method": 3}),
    "jpeg": ("JPEG", {"quality": 78, "optimize": True, "progressive": True}),
}
_EXTENSIONS = {"avif": "avif", "webp": "webp", "jpeg": "jpg"}


def formats():
    """Modern formats first, JPEG last (the fallback every client reads)."""
    chosen = [name for name in settings.IMAGE_RENDITION_FORMATS if name in _ENCODERS and name != "jpeg"]
    return [*chosen, "jpeg"]


def crop_size(width, height, ratio, target_width):
    """The largest size at `ratio`, at most `target_width` wide, cut from a width × height original."""
    if ratio is None:
        w = min(target_width, width)
        return w, max(1, round(height * w / width))
    w = min(target_width, width, math.floor(height * ratio))
    return max(1, w), max(1, round(w / ratio))


def plan(image):
    """[(crops, width, height, format)] for `image`; a size two crops share is made once."""
    wanted = {}

    def want(crop, target_width, fmt):
        size = crop_size(image.width, image.height, RATIOS[crop], target_width)
        # Crops of one size are the same picture only when neither cuts anything (the free crop).
        key = (size, fmt, crop if crop != "free" and not _same_ratio(image, crop) else "uncut")
        wanted.setdefault(key, set()).add(crop)

    for crop in ("16:9", "free"):
        widths = sorted({min(w, image.width) for w in WIDTHS})
        for target_width in widths:
            for fmt in formats():
                want(crop, target_width, fmt)
    for crop in SOCIAL_RATIOS:
        want(crop, SOCIAL_WIDTH, "jpeg")
    want("16:9", EMAIL_WIDTH, "jpeg")
    return [(sorted(crops), size[0], size[1], fmt) for (size, fmt, _cut), crops in wanted.items()]


def _same_ratio(image, crop):
    ratio = RATIOS[crop]
    return ratio is not None and abs(image.width / image.height - ratio) < 0.01


def signature(image):
    key = f"{SPEC_VERSION}|{image.file.name}|{image.focal_x},{image.focal_y}|{','.join(formats())}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def is_current(image):
    return image.renditions.get("signature") == signature(image)


def ensure_renditions(image, *, force=False):
    """Make `image`'s renditions unless the current set exists. True when it made them."""
    from articles.models.images import Image

    with transaction.atomic():
        locked = Image.objects.select_for_update().get(pk=image.pk)
        if not force and is_current(locked):
            image.renditions = locked.renditions
            return False
        previous = [item["name"] for item in locked.renditions.get("items", [])]
        items = _make(locked)
        locked.renditions = {"signature": signature(locked), "items": items}
        locked.save(update_fields=["renditions"])
        kept = {item["name"] for item in items}
        transaction.on_commit(lambda: _delete([name for name in previous if name not in kept]))
    image.renditions = locked.renditions
    return True


def _make(image):
    with image.file.storage.open(image.file.name, "rb") as original:
        source = PILImage.open(original)
        source.load()
    source = colorspace(source)
    sig = signature(image)
    items = []
    for crops, width, height, fmt in plan(image):
        picture = scale_and_crop(source, (width, height), crop=True, target=(image.focal_x, image.focal_y))
        if fmt == "jpeg" and picture.mode != "RGB":
            picture = picture.convert("RGB")
        encoder, options = _ENCODERS[fmt]
        out = io.BytesIO()
        picture.save(out, format=encoder, **options)
        crop_slug = "-".join(crop.replace(":", "x") for crop in crops)
        name = default_storage.save(
            f"renditions/{image.pk}/{sig}/{crop_slug}-{picture.width}.{_EXTENSIONS[fmt]}", ContentFile(out.getvalue())
        )
        items.append(
            {
                "crops": crops,
                "format": fmt,
                "width": picture.width,
                "height": picture.height,
                "name": name,
                "bytes": out.tell(),
            }
        )
    return items


def _delete(names):
    for name in names:
        default_storage.delete(name)


def select(image, crop, fmt=None):
    """The renditions of `image` at `crop` (in `fmt` if given), narrowest first."""
    found = [
        item
        for item in image.renditions.get("items", [])
        if crop in item["crops"] and (fmt is None or item["format"] == fmt)
    ]
    return sorted(found, key=lambda item: item["width"])


def url(item):
    return default_storage.url(item["name"])


def best(image, crop, width, fmt="jpeg"):
    """The rendition at `crop` closest to `width` (at least that wide when there is one), or None."""
    candidates = select(image, crop, fmt)
    if not candidates:
        return None
    wide_enough = [item for item in candidates if item["width"] >= width]
    return wide_enough[0] if wide_enough else candidates[-1]
