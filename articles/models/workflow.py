"""What happens to an article over time: its workflow transitions and its published corrections."""

import reversion
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.article import Article


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
