"""Wire-only models: withdrawal tombstones and the « Fil AFP » proxy of agency dispatches."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models.article import Article


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


class WireDispatch(Article):
    """The agency dispatches, as the « Fil AFP » admin lists them."""

    class Meta:
        proxy = True
        verbose_name = _("dépêche")
        verbose_name_plural = _("fil AFP")
