"""The image library: one record per picture, reusable across articles (featured image or body).

An article's featured image is a foreign key here; a body image is referenced by its original's URL
in the stored HTML, and found again at display by that name. Renditions: articles/renditions.py.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.uploads import clean_image_file, validate_image_file


def original_upload_to(instance, filename):
    return f"images/{timezone.now():%Y/%m}/{filename}"


class ImageQuerySet(models.QuerySet):
    def by_names(self, names):
        """{stored name: image} for the originals named in `names` (one query)."""
        names = {name for name in names if name}
        return {image.file.name: image for image in self.filter(file__in=names)} if names else {}


class Image(models.Model):
    class Origin(models.TextChoices):
        NEWSROOM = "redaction", _("Rédaction")
        AFP = "afp", _("AFP")
        OTHER = "autre", _("Autre")

    file = models.ImageField(
        _("fichier"),
        upload_to=original_upload_to,
        max_length=255,
        validators=[validate_image_file],
        help_text=_("JPEG, PNG, GIF ou WebP. Les métadonnées (EXIF, position GPS) sont supprimées à l’envoi."),
    )
    width = models.PositiveIntegerField(_("largeur"), default=0, editable=False)
    height = models.PositiveIntegerField(_("hauteur"), default=0, editable=False)
    caption = models.CharField(_("légende"), max_length=300, blank=True)
    credit = models.CharField(
        _("crédit"),
        max_length=150,
        help_text=_("Affiché sous l’image, par exemple « Dana Ospanova » ou « AFP »."),
    )
    alt_text = models.CharField(
        _("texte alternatif"),
        max_length=300,
        blank=True,
        help_text=_("Décrivez l’image pour les lecteurs qui ne la voient pas. Obligatoire sauf image décorative."),
    )
    decorative = models.BooleanField(
        _("décorative"),
        default=False,
        help_text=_(
            "Cochez seulement si l’image n’apporte aucune information (elle sera ignorée des lecteurs d’écran)."
        ),
    )
    focal_x = models.PositiveSmallIntegerField(
        _("point focal horizontal (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    focal_y = models.PositiveSmallIntegerField(
        _("point focal vertical (%)"), default=50, validators=[MaxValueValidator(100)]
    )
    origin = models.CharField(_("source"), max_length=20, choices=Origin, default=Origin.NEWSROOM)
    uploaded_at = models.DateTimeField(_("envoyée le"), default=timezone.now, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyée par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # What articles/renditions.py made: {"signature": …, "items": [{crop, format, width, height, name}, …]}.
    renditions = models.JSONField(_("déclinaisons"), default=dict, blank=True, editable=False)

    objects = ImageQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__lte=100, focal_y__lte=100), name="image_focal_point_in_picture"
            ),
        ]

    def __str__(self):
        label = self.caption or self.alt_text or self.file.name.rsplit("/", 1)[-1]
        return f"{label[:80]} ({self.credit})" if self.credit else label[:80]

    def save(self, *args, **kwargs):
        # Every original is stored re-encoded from its pixels: upright, without metadata, safely named.
        if self.file and not getattr(self.file, "_committed", True):
            validate_image_file(self.file)
            cleaned = clean_image_file(self.file, name_hint=self.file.name)
            self.width, self.height = cleaned.image_size
            self.file = cleaned
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:articles_image_change", args=[self.pk])

    def clean(self):
        if not self.decorative and not self.alt_text.strip():
            raise ValidationError(
                {"alt_text": _("Indiquez un texte alternatif, ou cochez « décorative » si l’image n’apporte rien.")}
            )

    @property
    def url(self):
        return self.file.url

    @property
    def alt(self):
        """The alt attribute readers get: empty for a decorative image."""
        return "" if self.decorative else self.alt_text

    def problems(self, *, alt_given=False):
        """What keeps this image from being published, in French (empty when fine).

        `alt_given`: the article's text gives its own alt attribute for this use of the image."""
        found = []
        if not alt_given and not self.decorative and not self.alt_text.strip():
            found.append(_("l’image « %(image)s » n’a pas de texte alternatif") % {"image": self})
        if not self.credit.strip():
            found.append(_("l’image « %(image)s » n’a pas de crédit") % {"image": self})
        return found

    def articles_using(self):
        """Articles showing this image, as featured image or in their text."""
        from articles.models import Article

        return Article.objects.filter(models.Q(featured_image=self) | models.Q(body__contains=self.file.name))

    def delete(self, *args, **kwargs):
        in_use = list(self.articles_using()[:5])
        if in_use:
            raise ProtectedError(in_use_message(self, in_use), set(in_use))
        return super().delete(*args, **kwargs)


def in_use_message(image, articles):
    titles = ", ".join(f"« {article.headline} »" for article in articles)
    return _(
        "L’image « %(image)s » ne peut pas être supprimée : elle est utilisée par %(articles)s. "
        "Retirez-la de ces articles d’abord."
    ) % {"image": image, "articles": titles}


def article_image_problems(article):
    """Featured and body images of `article` lacking alt text (unless décorative) or credit."""
    from articles.pictures import images_in, media_name

    found = []
    if article.featured_image_id:
        found += article.featured_image.problems()
    body_images = images_in(article.body)
    lookup = Image.objects.by_names(media_name(attrs.get("src")) for attrs in body_images)
    for attrs in body_images:
        image = lookup.get(media_name(attrs.get("src")))
        if image is None:
            if not (attrs.get("alt") or "").strip():
                found.append(_("une image du texte (%(src)s) n’a pas de texte alternatif") % {"src": attrs.get("src")})
            continue
        found += image.problems(alt_given=bool((attrs.get("alt") or "").strip()))
    return list(dict.fromkeys(found))


def social_images(image):
    """[{ratio, url, width, height, length}] at 16:9, 4:3 and 1:1 (absolute URLs), for JSON-LD and og:image."""
    from articles import renditions

    found = [rendition_info(image, ratio, renditions.SOCIAL_WIDTH) for ratio in renditions.SOCIAL_RATIOS]
    return [info for info in found if info is not None]


def rendition_info(image, ratio, width):
    """The JPEG rendition of `image` at `ratio` closest to `width`, with an absolute URL; None without one."""
    from articles import renditions

    item = renditions.best(image, ratio, width) if image else None
    if item is None:
        return None
    return {
        "ratio": ratio,
        "url": absolute(renditions.url(item)),
        "width": item["width"],
        "height": item["height"],
        "length": item.get("bytes", 0),
        "mime_type": renditions.MIME_TYPES[item["format"]],
        "alt": image.alt,
        "credit": image.credit,
    }


def absolute(url):
    from articles.links import absolute_url

    return absolute_url(url)
