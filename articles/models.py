import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from articles.cache import purge_public_pages
from articles.sanitize import sanitize_html


class Section(models.Model):
    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(
        _("ordre"), default=100, help_text=_("Les rubriques de plus petit ordre s’affichent en premier.")
    )
    on_home = models.BooleanField(
        _("bloc en une"), default=True, help_text=_("Afficher un bloc de cette rubrique sur la page d’accueil.")
    )
    country_code = models.CharField(
        _("code pays"),
        max_length=2,
        blank=True,
        help_text=_("Code ISO 3166-1 alpha-2 (KZ, UZ…) quand la rubrique est un pays."),
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("rubrique")
        verbose_name_plural = _("rubriques")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class Source(models.Model):
    """Where a story comes from: the newsroom itself or an agency. A new agency is a row."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    is_agency = models.BooleanField(
        _("agence"), default=False, help_text=_("Cochez pour une agence de presse (AFP, Reuters…).")
    )
    credit = models.CharField(
        _("crédit"),
        max_length=100,
        blank=True,
        help_text=_("Crédit affiché sur les dépêches de cette source, par exemple « AFP »."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name


class Author(models.Model):
    """A person credited in bylines. Not every author has an account (agency writers)."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    bio = models.TextField(_("biographie"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("auteur")
        verbose_name_plural = _("auteurs")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """What readers may see: published, publish time reached, not withdrawn."""
        return self.filter(status=Article.Status.PUBLISHED, publish_at__lte=timezone.now(), withdrawn_at__isnull=True)

    def scheduled(self):
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now())

    def for_listing(self):
        """Columns a teaser needs, without the body, with its section, source and live state joined."""
        return self.select_related("section", "source", "live").defer("body")

    def owned_by(self, user):
        """Articles `user` created or is credited on: what a journalist may work on."""
        credited = Article.authors.through.objects.filter(author__user=user).values("article_id")
        return self.filter(Q(created_by=user) | Q(pk__in=credited))


@reversion.register()
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SUBMITTED = "submitted", _("Soumis à la relecture")
        PUBLISHED = "published", _("Publié")
        UNPUBLISHED = "unpublished", _("Dépublié")

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

    featured_image = models.ImageField(_("image principale"), upload_to="articles/%Y/%m/", blank=True)
    image_caption = models.CharField(_("légende"), max_length=300, blank=True)
    image_credit = models.CharField(_("crédit photo"), max_length=150, blank=True)
    image_alt = models.CharField(
        _("texte alternatif"),
        max_length=300,
        blank=True,
        help_text=_("Décrivez l’image pour les lecteurs qui ne la voient pas."),
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
        ]
        # The editorial roles (articles/roles.py) are built from these and the model permissions.
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
        return reverse("articles:detail", kwargs={"section": self.section.slug, "slug": self.slug})

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
        return self.status == self.Status.PUBLISHED and self.publish_at is not None and self.publish_at > timezone.now()

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

    # --- Editorial workflow -------------------------------------------------------------
    # Each transition locks the row, re-checks who may do it against the stored state, records
    # a Transition and a revision, and purges the public pages when readers would see a change.

    def is_owned_by(self, user):
        """Whether `user` created this article or is credited on it."""
        if self.created_by_id is not None and self.created_by_id == user.pk:
            return True
        return self.pk is not None and self.authors.filter(user_id=user.pk).exists()

    def can_edit(self, user):
        """Editors change any article; a journalist only their own, while it is a draft."""
        if not user.has_perm("articles.change_article"):
            return False
        if user.has_perm("articles.change_any_article"):
            return True
        return self.status == self.Status.DRAFT and self.is_owned_by(user)

    def can_submit(self, user):
        return self.status == self.Status.DRAFT and user.has_perm("articles.submit_article") and self.can_edit(user)

    def can_publish(self, user):
        return user.has_perm("articles.publish_article") and (
            self.status in (self.Status.DRAFT, self.Status.SUBMITTED) or self.is_scheduled
        )

    def can_return_to_draft(self, user):
        return self.status == self.Status.SUBMITTED and user.has_perm("articles.publish_article")

    def can_unpublish(self, user):
        return self.status == self.Status.PUBLISHED and user.has_perm("articles.unpublish_article")

    def can_back_to_draft(self, user):
        return self.status == self.Status.UNPUBLISHED and user.has_perm("articles.unpublish_article")

    def can_correct(self, user):
        return self.is_published and user.has_perm("articles.correct_article")

    def available_transitions(self, user):
        """Names of the transitions `user` may apply now, in the order the buttons show them."""
        checks = [
            ("submit", self.can_submit),
            ("publish", self.can_publish),
            ("schedule", self.can_publish),
            ("return_to_draft", self.can_return_to_draft),
            ("unpublish", self.can_unpublish),
            ("back_to_draft", self.can_back_to_draft),
            ("correct", self.can_correct),
        ]
        return [name for name, check in checks if check(user)]

    def submit(self, *, user, comment=""):
        """Draft → submitted: the author hands the article to the editors."""
        self._move(
            user=user,
            to_status=self.Status.SUBMITTED,
            from_statuses={self.Status.DRAFT},
            permitted=lambda: user.has_perm("articles.submit_article") and self.can_edit(user),
            denied=_("Vous ne pouvez pas soumettre cet article."),
            comment=comment,
        )

    def publish(self, *, user, at=None, comment=""):
        """Publish now, or at `at` when it lies in the future (scheduled). No cron job: visibility is a query."""
        now = timezone.now()
        at = at or now
        if self.pk is not None and self.status == self.Status.PUBLISHED and not self.is_scheduled:
            raise ValidationError(_("Cet article est déjà publié."))
        if at > now and not comment:
            comment = _("Programmé pour le %(date)s") % {
                "date": formats.date_format(timezone.localtime(at), "DATETIME_FORMAT")
            }
        changes = {"publish_at": at}
        if self.first_published_at is None or self.first_published_at > now:
            changes["first_published_at"] = at
        self._move(
            user=user,
            to_status=self.Status.PUBLISHED,
            from_statuses={self.Status.DRAFT, self.Status.SUBMITTED, self.Status.PUBLISHED},
            permitted=lambda: user.has_perm("articles.publish_article"),
            denied=_("Vous n’avez pas le droit de publier ou de programmer un article."),
            comment=comment,
            purge=True,
            **changes,
        )

    def schedule(self, *, user, at, comment=""):
        """Publish at a future time: the article appears then with no manual step."""
        if at is None or at <= timezone.now():
            raise ValidationError(_("Indiquez une date de publication dans le futur pour programmer l’article."))
        self.publish(user=user, at=at, comment=comment)

    def return_to_draft(self, *, user, comment):
        """Submitted → draft, with the editor's comment for the author (required)."""
        if not (comment or "").strip():
            raise ValidationError(_("Un commentaire est obligatoire pour renvoyer l’article au rédacteur."))
        self._move(
            user=user,
            to_status=self.Status.DRAFT,
            from_statuses={self.Status.SUBMITTED},
            permitted=lambda: user.has_perm("articles.publish_article"),
            denied=_("Vous n’avez pas le droit de renvoyer un article au rédacteur."),
            comment=comment.strip(),
        )

    def unpublish(self, *, user, comment=""):
        """Published (or scheduled) → unpublished: readers no longer see it."""
        self._move(
            user=user,
            to_status=self.Status.UNPUBLISHED,
            from_statuses={self.Status.PUBLISHED},
            permitted=lambda: user.has_perm("articles.unpublish_article"),
            denied=_("Vous n’avez pas le droit de dépublier un article."),
            comment=comment,
            purge=True,
        )

    def back_to_draft(self, *, user, comment=""):
        """Unpublished → draft, to be reworked and go through review again."""
        self._move(
            user=user,
            to_status=self.Status.DRAFT,
            from_statuses={self.Status.UNPUBLISHED},
            permitted=lambda: user.has_perm("articles.unpublish_article"),
            denied=_("Vous n’avez pas le droit de remettre cet article en brouillon."),
            comment=comment,
        )

    def correct(self, *, user, wrong, right):
        """Record a dated correction readers see under the article; the update time changes, the URL does not."""
        if not user.has_perm("articles.correct_article"):
            raise PermissionDenied(_("Vous n’avez pas le droit de corriger un article."))
        if not (wrong or "").strip() or not (right or "").strip():
            raise ValidationError(_("Indiquez ce qui était inexact et ce qui est exact."))
        with transaction.atomic(), reversion.create_revision():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            self._copy_workflow_fields(locked)
            if not self.is_published:
                raise ValidationError(_("Seul un article publié peut recevoir une correction."))
            now = timezone.now()
            correction = Correction.objects.create(
                article=self, wrong=wrong.strip(), right=right.strip(), user=user, created_at=now
            )
            self.updated_at = now
            self.edit_version = locked.edit_version + 1
            self.save(update_fields=["updated_at", "edit_version", "modified_at"])
            reversion.set_user(user)
            reversion.set_comment(_("Correction : %(right)s") % {"right": correction.right})
            transaction.on_commit(purge_public_pages)
        return correction

    _WORKFLOW_FIELDS = ("status", "publish_at", "first_published_at", "updated_at", "edit_version", "withdrawn_at")

    def _copy_workflow_fields(self, other):
        for name in self._WORKFLOW_FIELDS:
            setattr(self, name, getattr(other, name))

    def _move(self, *, user, to_status, from_statuses, permitted, denied, comment="", purge=False, **changes):
        with transaction.atomic(), reversion.create_revision():
            # Check against the locked, stored state: a stale object or a crafted request changes nothing.
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            self._copy_workflow_fields(locked)
            # Among published articles only a scheduled one may move on to published (rescheduled, or now).
            published_now = self.status == self.Status.PUBLISHED and not self.is_scheduled
            if self.status not in from_statuses or (published_now and to_status == self.Status.PUBLISHED):
                raise ValidationError(
                    _("Impossible depuis l’état « %(status)s ».") % {"status": self.get_status_display()}
                )
            if not permitted():
                raise PermissionDenied(denied)
            from_status = self.status
            self.status = to_status
            for name, value in changes.items():
                setattr(self, name, value)
            self.edit_version = locked.edit_version + 1
            self.save(update_fields=[*self._WORKFLOW_FIELDS[:-1], "modified_at"])
            Transition.objects.create(
                article=self, from_status=from_status, to_status=to_status, user=user, comment=comment or ""
            )
            reversion.set_user(user)
            reversion.set_comment(f"{Article.Status(from_status).label} → {Article.Status(to_status).label}")
            if purge:
                transaction.on_commit(purge_public_pages)


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


class Transition(models.Model):
    """One move of an article through the workflow: who, when, from, to, why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("de"), max_length=20, choices=Article.Status)
    to_status = models.CharField(_("vers"), max_length=20, choices=Article.Status)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL
    )
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transition")
        verbose_name_plural = _("historique du circuit")

    def __str__(self):
        return f"{self.article}: {self.from_status} → {self.to_status}"


@reversion.register()
class Correction(models.Model):
    """A dated correction note shown at the foot of a published article and on the corrections page."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    wrong = models.TextField(_("ce qui était inexact"))
    right = models.TextField(_("ce qui est exact"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return f"{self.article} — {self.created_at:%Y-%m-%d}"


class WireWithdrawal(models.Model):
    """Tombstone of a withdrawn wire story, kept even for a guid never imported, so it never comes back."""

    guid = models.CharField(_("identifiant de dépêche"), max_length=255, unique=True)
    version = models.PositiveIntegerField(_("version"))
    note = models.TextField(_("note"), blank=True)
    withdrawn_at = models.DateTimeField(_("retirée le"), default=timezone.now)

    class Meta:
        ordering = ["-withdrawn_at"]
        verbose_name = _("dépêche retirée")
        verbose_name_plural = _("dépêches retirées")

    def __str__(self):
        return self.guid


class SubjectMapping(models.Model):
    """Maps a wire subject code (iso3166-1a2:KZ, medtop:…) to a section and/or a tag. Editable data."""

    qcode = models.CharField(_("code"), max_length=100, unique=True, help_text=_("Par exemple « iso3166-1a2:KZ »."))
    section = models.ForeignKey(Section, verbose_name=_("rubrique"), null=True, blank=True, on_delete=models.CASCADE)
    tag = models.CharField(_("mot-clé"), max_length=100, blank=True)

    class Meta:
        ordering = ["qcode"]
        verbose_name = _("correspondance de sujet")
        verbose_name_plural = _("correspondances de sujets")

    def __str__(self):
        return self.qcode


class WireDispatch(Article):
    """The agency dispatches, as the « Fil AFP » admin lists them."""

    class Meta:
        proxy = True
        verbose_name = _("dépêche")
        verbose_name_plural = _("fil AFP")


from articles.live_models import LiveBlog, LiveEntry  # noqa: E402, F401
