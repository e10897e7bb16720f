"""The article and its published/scheduled querysets; its workflow methods are in models/workflow.py."""

import re
from dataclasses import dataclass
from html import unescape

import reversion
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from articles.models import images
from articles.models.taxonomy import Author, Section, Source
from articles.models.workflow import ArticleStatus, ArticleWorkflow
from articles.sanitize import sanitize_html


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, publish time reached, not withdrawn."""
        return self.filter(status=ArticleStatus.PUBLISHED, publish_at__lte=timezone.now(), withdrawn_at__isnull=True)

    def published_sql(self):
        """published()'s condition as SQL and its parameters, for the few reads written in SQL
        (articles.views): the rule readers see stays this one."""
        query = self.published().query
        return query.get_compiler(using=self.db).compile(query.where)

    def scheduled(self):
        """What readers will see at its publish time, with no manual step (never a withdrawn story)."""
        return self.filter(status=ArticleStatus.PUBLISHED, publish_at__gt=timezone.now(), withdrawn_at__isnull=True)

    def for_listing(self):
        """Columns a teaser needs, without the body nor the wire metadata (JSON decoded for nothing),
        with its section, source, image and live state joined."""
        return self.select_related("section", "source", "featured_image", "live").defer("body", "wire_meta")

    def tagged(self, tag):
        """Stories carrying `tag` (the tag page and its feeds): a subquery on the tag's rows, which lets
        the database start from them rather than from every story."""
        from django.contrib.contenttypes.models import ContentType
        from taggit.models import TaggedItem

        content_type = ContentType.objects.get_for_model(Article).pk
        return self._rows_of("object_id", TaggedItem._meta.db_table, content_type_id=content_type, tag_id=tag.pk)

    def by_author(self, author):
        """Stories credited to `author` (the author page and its feeds)."""
        through = Article.authors.through._meta
        return self._rows_of("article_id", through.db_table, author_id=author.pk)

    def _rows_of(self, column, table, **ids):
        # The ids are written into the SQL, not bound. With prepared statements (on by default on
        # PostgreSQL) a bound id lets PostgreSQL keep one generic plan for every tag or author: walk
        # the newest stories and test each — right for a common tag, a walk through the whole archive
        # for a rare one (310 ms at 100 000 stories against 0.06 ms; `bench/explain_pages.py --generic`).
        # Written in, each id is planned with its own statistics. They are integers (int()), never text.
        where = " AND ".join(f'"{name}" = {int(value)}' for name, value in ids.items())
        sql = f'SELECT "{column}" FROM "{table}" WHERE {where}'  # noqa: S608 - names from _meta, int() ids
        return self.filter(pk__in=RawSQL(sql, ()))  # noqa: S611

    def owned_by(self, user):
        """Articles `user` created or is credited on: what a journalist may work on."""
        # One set of ids, a union of two index reads: `created_by = … OR pk IN (credited)` made
        # PostgreSQL test every story against both (four scans of the table for a journalist's list,
        # 1.5 s at a million stories).
        created = Article.objects.filter(created_by=user).order_by().values("pk")
        credited = Article.authors.through.objects.filter(author__user=user).values("article_id")
        return self.filter(pk__in=created.union(credited))


@reversion.register()
class Article(ArticleWorkflow, models.Model):
    """A story: in-house or an agency dispatch. Its status moves only through `move()` (models/workflow.py)."""

    Status = ArticleStatus

    headline = models.CharField(_("titre"), max_length=255)
    slug = models.SlugField(
        _("slug"),
        max_length=255,
        unique=True,
        help_text=_("Partie de l’adresse de l’article. Ne la changez plus après publication."),
    )
    kicker = models.CharField(_("surtitre"), max_length=120, blank=True)
    standfirst = models.TextField(_("chapô"), blank=True, help_text=_("Le paragraphe d’introduction, en gras."))
    body = models.TextField(_("texte"), blank=True)
    section = models.ForeignKey(Section, verbose_name=_("rubrique"), on_delete=models.PROTECT, related_name="articles")
    tags = TaggableManager(_("mots-clés"), blank=True, help_text=_("Séparez les mots-clés par des virgules."))
    authors = models.ManyToManyField(Author, verbose_name=_("auteurs"), blank=True, related_name="articles")
    byline = models.CharField(
        _("signature"),
        max_length=255,
        blank=True,
        help_text=_("Remplace la liste des auteurs dans la signature, par exemple « Notre correspondante ». "),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    featured_image = models.ForeignKey(
        "articles.Image",
        verbose_name=_("image principale"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="featured_in",
        help_text=_("Choisissez une image de la photothèque (tapez un mot de la légende, du crédit…)."),
    )
    dateline = models.CharField(_("lieu"), max_length=150, blank=True, help_text=_("Par exemple « Astana »."))
    language = models.CharField(_("langue"), max_length=10, default="fr")

    source = models.ForeignKey(Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="articles")
    credit_line = models.CharField(
        _("crédit"),
        max_length=100,
        blank=True,
        help_text=_("« AFP » pour une dépêche, « avec AFP » pour un article réécrit à partir d’une dépêche."),
    )
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("d’après la dépêche"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rewrites",
        help_text=_("La dépêche d’agence dont cet article est tiré."),
    )

    status = models.CharField(_("statut"), max_length=20, choices=Status, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        _("date de publication"),
        null=True,
        blank=True,
        help_text=_("Dans le futur, l’article paraîtra automatiquement à cette heure."),
    )
    first_published_at = models.DateTimeField(_("première publication"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(
        _("mis à jour le"), null=True, blank=True, help_text=_("Dernière mise à jour annoncée aux lecteurs.")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    modified_at = models.DateTimeField(_("modifié le"), auto_now=True)
    # Bumped on every save; an edit form carries the value it was opened with, so a stale save is refused.
    edit_version = models.PositiveIntegerField(_("version d’édition"), default=1, editable=False)

    # Wire identity (NewsML-G2).
    wire_guid = models.CharField(_("identifiant de dépêche"), max_length=255, blank=True, editable=False)
    wire_version = models.PositiveIntegerField(_("version de dépêche"), null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True, editable=False)
    wire_first_created = models.DateTimeField(_("créée par l’agence le"), null=True, blank=True, editable=False)
    wire_version_created = models.DateTimeField(_("version de l’agence du"), null=True, blank=True, editable=False)
    # What the wire item says beyond the article fields (subjects, editor's note, flags): never shown to readers.
    wire_meta = models.JSONField(_("métadonnées de dépêche"), default=dict, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_visible_idx"),
            # Section pages and the home page's section blocks: a section's latest published stories.
            models.Index(fields=["section", "status", "-publish_at"], name="article_section_recent_idx"),
            # Sitemaps: every published story's dates and section from the index alone (index-only scans),
            # so the index, the monthly parts and the sections part never read the wide rows.
            models.Index(
                fields=["publish_at", "updated_at", "section"],
                condition=Q(status="published", withdrawn_at__isnull=True),
                name="article_sitemap_idx",
            ),
            # The desk's list (every status, newest first: drafts, without a date, at the top) and its
            # date hierarchy's probes (articles/admin/dates.py): at a million stories the list sorted
            # every story on each visit (1.3 s). The wire list's index is PostgreSQL's (migration 0014).
            models.Index(fields=["-publish_at", "-id"], name="article_list_idx"),
        ]
        # The editorial roles (newsroom/roles.py) are built from these and the model permissions.
        permissions = [
            ("submit_article", _("Peut soumettre un article à la relecture")),
            ("change_any_article", _("Peut modifier les articles des autres")),
            ("publish_article", _("Peut publier, programmer et renvoyer un article")),
            ("unpublish_article", _("Peut dépublier un article")),
            ("correct_article", _("Peut corriger un article publié")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["wire_guid"], condition=~Q(wire_guid=""), name="article_unique_wire_guid"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="article_published_has_publish_at",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.body = sanitize_html(self.body)
        if not self.slug:
            self.slug = unique_slug(self.headline, exclude_pk=self.pk)
        if self.status == self.Status.PUBLISHED and self.publish_at is None:
            self.publish_at = timezone.now()
        if self.status == self.Status.PUBLISHED and self.first_published_at is None:
            self.first_published_at = self.publish_at
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return article_path(self.section.slug, self.slug)

    @property
    def is_published(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.withdrawn_at is None
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.withdrawn_at is None
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def live_blog(self):
        """Its live blog, or None. Templates test this: a missing `live` raises, and each failed
        lookup of `article.live.is_live` cost the template engine a dir() of the model (10 % of a teaser)."""
        try:
            return self.live
        except ObjectDoesNotExist:
            return None

    @property
    def is_dispatch(self):
        return self.source.is_agency

    @property
    def credit(self):
        """The credit readers see: « AFP » on a dispatch, « avec AFP » on a rewrite of one."""
        if self.credit_line:
            return self.credit_line
        if self.source.is_agency:
            return self.source.credit or self.source.name
        if self.based_on_id is not None:
            return _("avec %(agency)s") % {"agency": self.based_on.source.credit or self.based_on.source.name}
        return ""

    def byline_parts(self):
        """The credit and byline, as every surface shows them (page, teasers, admin, feeds, emails).

        A dispatch is credited « AFP » alone; otherwise « Par <auteurs>, <crédit> », the byline field
        replacing the author list. Reads `authors.all()`: prefetch it on lists.
        """
        credit = str(self.credit)
        if self.source.is_agency:
            return Byline(people=(), credit=credit, is_dispatch=True)
        if self.byline:
            return Byline(people=(BylinePerson("", self.byline),), credit=credit)
        authors = list(self.authors.all())
        people = tuple(
            BylinePerson(_separator(i, len(authors)), author.name, author.get_absolute_url())
            for i, author in enumerate(authors)
        )
        return Byline(people=people, credit=credit)

    def publish_problems(self):
        """Why the pictures keep this article from being published (alt text, credit), in French.

        The workflow gate (move) refuses any move to « publié » while this is not empty."""
        return images.article_image_problems(self)

    def feed_image(self):
        """The featured image's 16:9 JPEG for feeds (enclosure, media:content), 1200 px wide; or None."""
        return images.rendition_info(self.featured_image, "16:9", 1200) if self.featured_image_id else None

    def email_image(self):
        """The featured image's email-safe 16:9 JPEG at a fixed 600 px width, absolute URL; or None."""
        return images.rendition_info(self.featured_image, "16:9", 600) if self.featured_image_id else None

    def social_images(self):
        """The featured image's 16:9, 4:3 and 1:1 crops (absolute URL, width, height) for JSON-LD and og:image."""
        return images.social_images(self.featured_image) if self.featured_image_id else []

    @property
    def summary(self):
        """Plain-text description for search engines, cards and feeds: the standfirst, else the first
        paragraph (a wire dispatch has no standfirst)."""
        return self.standfirst.strip() or first_paragraph(self.body)

    @property
    def last_changed(self):
        """When readers last saw a change: the announced update (an edit, a correction, a new wire
        version) or the publication. Not `modified_at`, which a bulk load or an admin save also moves."""
        if self.updated_at and (self.publish_at is None or self.updated_at > self.publish_at):
            return self.updated_at
        return self.publish_at

    def share_images(self):
        """URLs of the images describing the story to search engines and social cards, best first: the
        featured image's 16:9 (1200 × 675), 4:3 and 1:1 renditions, or its original until they exist."""
        crops = self.social_images()
        if crops:
            return [crop["url"] for crop in crops]
        return [self.featured_image.url] if self.featured_image else []


def article_path(section_slug, slug):
    """The path of an article's page, /<rubrique>/<slug>/: the one place its shape is written.

    `articles/urls.py` (« detail ») is its inverse; tests/articles/test_models.py checks that both
    agree. Built without reverse(), so a sitemap of tens of thousands of rows costs no resolver call.
    """
    return f"{get_script_prefix()}{section_slug}/{slug}/"


@dataclass(frozen=True, slots=True)
class BylinePerson:
    separator: str  # what goes before the name: "", ", " or " et "
    name: str
    url: str = ""  # the author's page; empty for the byline field's free text


@dataclass(frozen=True, slots=True)
class Byline:
    """What `Article.byline_parts()` returns; str() is the plain text line."""

    people: tuple[BylinePerson, ...]
    credit: str = ""
    is_dispatch: bool = False

    @property
    def names(self):
        """« A, B et C », or the byline field's text."""
        return "".join(f"{person.separator}{person.name}" for person in self.people)

    @property
    def creator(self):
        """Without « Par », as feeds and structured data name a creator: « A et B, avec AFP », « AFP »."""
        return ", ".join(part for part in (self.names, self.credit) if part)

    def __str__(self):
        if self.is_dispatch or not self.people:
            return self.credit
        if self.credit:
            return str(_("Par %(names)s, %(credit)s") % {"names": self.names, "credit": self.credit})
        return str(_("Par %(names)s") % {"names": self.names})


def _separator(index, count):
    if index == 0:
        return ""
    return f" {_('et')} " if index == count - 1 else ", "


def first_paragraph(html):
    """The text of the first non-empty paragraph of sanitised HTML, entities decoded."""
    for chunk in _PARAGRAPH.findall(html) or [html]:
        text = " ".join(unescape(strip_tags(chunk)).split())
        if text:
            return text
    return ""


_PARAGRAPH = re.compile(r"<p[^>]*>(.*?)</p>", re.DOTALL | re.IGNORECASE)


def unique_slug(text, *, exclude_pk=None, max_length=255):
    """A slug for `text` that no other article uses: « titre », « titre-2 », « titre-3 »…"""
    base = slugify(text)[: max_length - 8].strip("-") or "article"
    others = Article.objects.exclude(pk=exclude_pk)
    # Usually free: one indexed equality lookup. The prefix scan below (a full scan on SQLite,
    # which cannot serve LIKE from an index) runs only for a taken slug.
    if not others.filter(slug=base).exists():
        return base
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
