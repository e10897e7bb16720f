"""Live coverage (« En direct »): an ordinary Article that also holds timestamped entries.

Entries are rows of their own, so several journalists post at once without touching the article
(no edit version, no review step). Every change bumps `LiveBlog.version`, which is the ETag of the
polling endpoint and the key of its cached payload. The flows are in articles/live.py.
"""

import reversion
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.article import Article
from articles.models.taxonomy import Author


class LiveBlog(models.Model):
    class State(models.TextChoices):
        LIVE = "live", _("En cours")
        ENDED = "ended", _("Terminé")

    article = models.OneToOneField(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="live")
    state = models.CharField(_("état"), max_length=10, choices=State, default=State.LIVE)
    summary = models.TextField(
        _("L’essentiel"),
        blank=True,
        help_text=_("Trois ou quatre points qui résument la situation, tenus à jour par les éditeurs."),
    )
    started_at = models.DateTimeField(_("début du direct"), default=timezone.now)
    ended_at = models.DateTimeField(_("fin du direct"), null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ouvert par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Bumped (with an F() update) by every change readers would see: the polling ETag.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    last_entry_at = models.DateTimeField(_("dernière entrée"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("direct")
        verbose_name_plural = _("directs")
        constraints = [
            models.CheckConstraint(
                condition=Q(state="live", ended_at__isnull=True) | Q(state="ended", ended_at__isnull=False),
                name="liveblog_ended_has_time",
            )
        ]

    def __str__(self):
        return str(self.article)

    def get_absolute_url(self):
        return self.article.get_absolute_url()

    @property
    def is_live(self):
        return self.state == self.State.LIVE

    def can_post(self, user):
        """Journalists and editors post entries, while the direct an editor opened is running."""
        return self.is_live and user.has_perm("articles.add_liveentry")

    @staticmethod
    def can_moderate(user):
        """Pin, edit, delete entries: editors."""
        return user.has_perm("articles.change_liveentry")

    @staticmethod
    def can_manage(user):
        """Open, end, reopen a direct and keep its summary: editors."""
        return user.has_perm("articles.change_liveblog")


@reversion.register()
class LiveEntry(models.Model):
    live = models.ForeignKey(LiveBlog, verbose_name=_("direct"), on_delete=models.CASCADE, related_name="entries")
    posted_at = models.DateTimeField(_("heure"), default=timezone.now)
    title = models.CharField(_("titre"), max_length=200, blank=True)
    body = models.TextField(_("texte"))
    image = models.ImageField(_("image"), upload_to="live/%Y/%m/", blank=True)
    image_alt = models.CharField(_("texte alternatif"), max_length=300, blank=True)
    embed_url = models.URLField(
        _("lien à intégrer"),
        blank=True,
        help_text=_("Adresse d’une publication (vidéo, message) montrée sous forme de lien."),
    )
    author = models.ForeignKey(
        Author, verbose_name=_("auteur"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("publié par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    credit = models.CharField(_("crédit"), max_length=100, blank=True, help_text=_("« AFP » pour une dépêche."))
    source_article = models.ForeignKey(
        Article,
        verbose_name=_("dépêche d’origine"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned = models.BooleanField(_("épinglée"), default=False)
    edited_at = models.DateTimeField(_("modifiée le"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("supprimée le"), null=True, blank=True)
    # Bumped on each edit, pin or deletion: the reader's page replaces an entry whose revision changed.
    revision = models.PositiveIntegerField(_("révision"), default=1)
    # Sent by the posting form once per entry: a double click or a retried request posts it once.
    client_token = models.CharField(max_length=64, blank=True, editable=False)
    promoted_to = models.ForeignKey(
        Article,
        verbose_name=_("développée en article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("entrée de direct")
        verbose_name_plural = _("entrées de direct")
        indexes = [models.Index(fields=["live", "-posted_at", "-id"], name="liveentry_recent_idx")]
        constraints = [
            models.UniqueConstraint(fields=["live"], condition=Q(pinned=True), name="liveentry_one_pinned"),
            models.UniqueConstraint(
                fields=["live", "client_token"], condition=~Q(client_token=""), name="liveentry_unique_token"
            ),
            models.UniqueConstraint(
                fields=["live", "source_article"],
                condition=Q(source_article__isnull=False),
                name="liveentry_unique_dispatch",
            ),
        ]

    def __str__(self):
        return self.title or f"{self.live} — {self.posted_at:%H:%M}"

    def get_absolute_url(self):
        return f"{self.live.article.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return f"entree-{self.pk}"

    @property
    def author_name(self):
        if self.author_id:
            return self.author.name
        if self.created_by_id:
            return self.created_by.get_full_name() or self.created_by.get_username()
        return ""
