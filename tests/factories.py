"""Plain factory functions for tests: make_x(**overrides) returns a saved object."""

import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Article, Author, Section, Source

_seq = itertools.count(1)


def make_section(**overrides):
    n = next(_seq)
    fields = {"name": f"Rubrique {n}", "slug": f"rubrique-{n}", "order": n}
    fields.update(overrides)
    return Section.objects.create(**fields)


def source(slug):
    """The reference sources created by migration: "redaction" or "afp"."""
    return Source.objects.get(slug=slug)


def make_author(**overrides):
    n = next(_seq)
    fields = {"name": f"Autrice {n}", "slug": f"autrice-{n}"}
    fields.update(overrides)
    return Author.objects.create(**fields)


def make_user(username=None, *, groups=(), **overrides):
    from django.contrib.auth.models import Group

    username = username or f"user{next(_seq)}"
    fields = {"email": f"{username}@example.org", "is_staff": True}
    fields.update(overrides)
    user = get_user_model().objects.create_user(username=username, password="motdepasse-test", **fields)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_article(*, tags=(), authors=(), **overrides):
    """A published in-house article, visible now, unless overridden."""
    n = next(_seq)
    fields = {
        "headline": f"Titre de l’article {n}",
        "standfirst": f"Chapô de l’article {n}.",
        "body": f"<p>Premier paragraphe de l’article {n}.</p>",
        "status": Article.Status.PUBLISHED,
        "publish_at": timezone.now() - timezone.timedelta(minutes=n),
    }
    fields.update(overrides)
    fields.setdefault("section", Section.objects.get(slug="kazakhstan"))
    fields.setdefault("source", source("redaction"))
    article = Article.objects.create(**fields)
    if tags:
        article.tags.add(*tags)
    if authors:
        article.authors.add(*authors)
    return article


def photo_bytes(width=800, height=450, *, fmt="JPEG", gps=True, orientation=None, colour="#3b6ea5"):
    """A picture with a gradient and a shape (so crops differ), carrying EXIF with a GPS position."""
    import io

    from PIL import ExifTags, ImageDraw
    from PIL import Image as PILImage

    picture = PILImage.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(picture)
    for y in range(0, height, 4):
        draw.line([(0, y), (width, y)], fill=(40 + y * 200 // height, 90, 160))
    draw.ellipse([width * 0.7, height * 0.2, width * 0.9, height * 0.5], fill="#f5d04c")
    exif = PILImage.Exif()
    exif[ExifTags.Base.Model] = "Appareil de test"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (43.0, 14.0, 30.0), 3: "E", 4: (76.0, 53.0, 0.0)}
    buffer = io.BytesIO()
    picture.save(buffer, fmt, exif=exif)
    return buffer.getvalue()


def make_image(*, content=None, name="photo.jpg", renditions=True, **overrides):
    """A library image (metadata stripped by Image.save), with its renditions made unless told not to."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.models.images import Image
    from articles.renditions import ensure_renditions

    fields = {"caption": "Le lac Issyk-Koul au printemps.", "credit": "Dana Ospanova", "alt_text": "Un lac bleu"}
    fields.update(overrides)
    image = Image(file=SimpleUploadedFile(name, content or photo_bytes(), content_type="image/jpeg"), **fields)
    image.save()
    if renditions:
        ensure_renditions(image)
    return image
