"""Sections, sources, authors and wire subject mappings: the data articles are filed under and credited to."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


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
