"""One gate for every uploaded picture (library, featured image, editor upload).

`validate_image_file` refuses what is not a plain, complete, reasonably sized picture;
`clean_image_file` re-encodes what it accepted from its pixels alone, after applying the EXIF
orientation, so no metadata (GPS position, camera serial, comments) and no appended payload
(a polyglot's HTML or ZIP) ever reaches storage.
"""

import io
import re
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import ImageFile, ImageOps

# Pillow format → file extension of the stored original.
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
# Markup or script inside a picture is the mark of a polyglot file (a picture that is also HTML/PHP/SVG).
# Each pattern is long enough that compressed pixel data matches it by chance about once in 10⁹ files.
_POLYGLOT = re.compile(rb"<(script|html|body|svg|iframe)[\s>/]|<\?php|javascript:", re.IGNORECASE)


def _refuse(message, **params):
    raise ValidationError(message, params=params, code="invalid_image")


def validate_image_file(upload):
    """Refuse `upload` unless it is a JPEG, PNG, GIF or WebP picture within the configured limits."""
    max_bytes = settings.ARTICLE_IMAGE_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        _refuse(_("L’image dépasse %(size)s Mo."), size=max_bytes // (1024 * 1024))
    data = _read(upload)
    if len(data) > max_bytes:
        _refuse(_("L’image dépasse %(size)s Mo."), size=max_bytes // (1024 * 1024))
    if _POLYGLOT.search(data):
        _refuse(_("Ce fichier contient autre chose qu’une image (code ou balises) : il est refusé."))
    _open_checked(data)


def _read(upload):
    if getattr(upload, "closed", False):
        upload.open("rb")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _open_checked(data):
    """The decoded picture, or a French ValidationError: wrong format, too many pixels, truncated."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused before any pixel is decoded.
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            picture = PILImage.open(io.BytesIO(data))
            if picture.format not in ALLOWED_FORMATS:
                _refuse(_("Formats acceptés : JPEG, PNG, GIF, WebP."))
            width, height = picture.size
            if width < 1 or height < 1 or width * height > settings.ARTICLE_IMAGE_MAX_PIXELS:
                _refuse(_("L’image est trop grande (%(w)s × %(h)s pixels)."), w=width, h=height)
            picture.load()
    except (PILImage.DecompressionBombWarning, PILImage.DecompressionBombError):
        _refuse(_("L’image est trop grande une fois décompressée : elle est refusée."))
    except (OSError, SyntaxError, ValueError, EOFError):
        _refuse(_("Le fichier n’est pas une image lisible, ou il est tronqué."))
    return picture


def clean_image_file(upload, *, name_hint=""):
    """A ContentFile of `upload` re-encoded without any metadata, upright, under a safe new name."""
    picture = _open_checked(_read(upload))
    fmt = picture.format if picture.format in ALLOWED_FORMATS else "PNG"
    picture = ImageOps.exif_transpose(picture)
    # Only pixels go into the new file: a fresh image carries no info dict, EXIF, XMP or ICC profile.
    if fmt == "JPEG":
        pixels = picture.convert("RGB")
    elif picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        pixels = picture.convert("RGBA")
    else:
        pixels = picture.convert("RGB")
    fresh = PILImage.new(pixels.mode, pixels.size)
    fresh.paste(pixels)
    out = io.BytesIO()
    options = {"quality": 90, "optimize": True} if fmt in ("JPEG", "WEBP") else {"optimize": True}
    fresh.save(out, format=fmt, **options)
    cleaned = ContentFile(
        out.getvalue(), name=safe_name(name_hint or getattr(upload, "name", ""), ALLOWED_FORMATS[fmt])
    )
    cleaned.image_size = fresh.size
    return cleaned


def safe_name(original, extension):
    """« Photo d’Astana (1).JPG » → « photo-dastana-1-k3x9a2.jpg »: ASCII, short, unguessable suffix."""
    stem = original.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = slugify(stem)[:60].strip("-") or "image"
    return f"{stem}-{get_random_string(6).lower()}.{extension}"
