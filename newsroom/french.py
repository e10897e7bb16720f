"""French the admin writes as a French speaker would: articles, gender and elision.

Django's French catalogue builds « Ajout de %s » and « Supprimer les %s sélectionnés » for every
model, which gives « Ajout de article » and « les éditions sélectionnés ». French needs the noun's
gender and elision, so every admin title, button and action goes through the helpers below; the
gender of each model is data, in GENDERS (masculine unless listed).
"""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

# Models whose verbose name is feminine in French, by "app_label.model_name".
GENDERS = {
    "admin.logentry": "f",
    "auth.permission": "f",
    "sessions.session": "f",
    "reversion.revision": "f",
    "reversion.version": "f",
    "articles.section": "f",
    "articles.source": "f",
    "articles.correction": "f",
    "articles.transition": "f",
    "articles.subjectmapping": "f",
    "articles.wirewithdrawal": "f",
    "articles.wiredispatch": "f",
    "articles.assignment": "m",
    "articles.notification": "f",
    "articles.searchvariant": "f",
    "articles.image": "f",
    "articles.liveentry": "f",
    "newsletter.edition": "f",
    "newsletter.newsletter": "f",
    "django_tasks_database.dbtaskresult": "f",
}

# Where the menu's plural is a title rather than the noun's plural (« fil AFP »), the phrases use this.
PLURALS = {
    "articles.wiredispatch": "dépêches",
    "articles.transition": "transitions",
}

_VOWELS = "aàâäeéèêëiîïoôöuùûüyhAÀÂEÉÈÊIÎOÔUÙÛYH"


def _label(opts):
    return f"{opts.app_label}.{opts.model_name}"


def is_feminine(opts):
    return GENDERS.get(_label(opts)) == "f"


def _elides(noun):
    return bool(noun) and noun[0] in _VOWELS


def indefinite(opts):
    """« un article », « une rubrique »."""
    return f"{'une' if is_feminine(opts) else 'un'} {opts.verbose_name}"


def definite(opts, *, of=False):
    """« l’article », « la rubrique », « le mot-clé »; with of=True « de l’article », « du mot-clé »."""
    noun = str(opts.verbose_name)
    if _elides(noun):
        return f"{'de ' if of else ''}l’{noun}"
    if is_feminine(opts):
        return f"{'de ' if of else ''}la {noun}"
    return f"du {noun}" if of else f"le {noun}"


def _after_de(phrase):
    """« de » before « un article » elides: « d’un article »."""
    return f"d’{phrase}" if _elides(phrase) else f"de {phrase}"


def add_title(opts):
    return _("Ajout %(thing)s") % {"thing": _after_de(indefinite(opts))}


def change_title(opts):
    return _("Modification %(thing)s") % {"thing": definite(opts, of=True)}


def view_title(opts):
    return _("Consultation %(thing)s") % {"thing": definite(opts, of=True)}


def add_label(opts):
    return _("Ajouter %(thing)s") % {"thing": indefinite(opts)}


def delete_selected_label(opts):
    chosen = _("sélectionnées") if is_feminine(opts) else _("sélectionnés")
    things = PLURALS.get(_label(opts), opts.verbose_name_plural)
    return _("Supprimer les %(things)s %(chosen)s") % {"things": things, "chosen": chosen}


def permission_name(action, opts):
    """« Peut ajouter un article »: the name of a default model permission, stored in French."""
    verbs = {
        "add": _("Peut ajouter"),
        "change": _("Peut modifier"),
        "delete": _("Peut supprimer"),
        "view": _("Peut consulter"),
    }
    return f"{verbs[action]} {indefinite(opts)}"


def list_title(opts):
    plural = str(opts.verbose_name_plural)
    return plural[:1].upper() + plural[1:]


def day_ordinal(day):
    """French writes the first day of a month as an ordinal: « 1er décembre », « 2 décembre »."""
    return "1er" if day == 1 else str(day)


def french_date(value):
    """« 1er décembre 2026 »: what the admin and the emails print for a date."""
    return f"{day_ordinal(value.day)} {date_format(value, 'F Y')}"
