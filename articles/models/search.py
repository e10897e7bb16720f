"""The editable table of name variants the search expands a query with (Astana / Nur-Sultan / Akmola…)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


def spellings_of(text):
    """The spellings of a group, one per line (commas also separate), blanks and duplicates dropped."""
    seen, spellings = set(), []
    for line in text.replace(",", "\n").splitlines():
        spelling = " ".join(line.split())
        if spelling and spelling.casefold() not in seen:
            seen.add(spelling.casefold())
            spellings.append(spelling)
    return spellings


class SearchVariant(models.Model):
    """Spellings of one place or person: a search for any of them finds stories written with another."""

    name = models.CharField(
        _("nom"), max_length=100, unique=True, help_text=_("L’orthographe de référence, par exemple « Astana ».")
    )
    spellings = models.TextField(
        _("variantes"),
        help_text=_(
            "Une orthographe par ligne, y compris l’orthographe de référence : anciens noms, translittérations "
            "(« Nur-Sultan », « Akmola », « Tselinograd »). Majuscules et accents sont indifférents."
        ),
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("variante de nom")
        verbose_name_plural = _("variantes de noms (recherche)")

    def __str__(self):
        return self.name

    def spelling_list(self):
        names = spellings_of(self.spellings)
        if self.name.casefold() not in {name.casefold() for name in names}:
            names.insert(0, self.name)
        return names
