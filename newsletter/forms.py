import codecs

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from articles.models import Section
from newsletter.models import Frequency, Subscriber

# The wording a subscriber agreed to, by version. A new wording gets a new key; old keys stay, since
# consent records point at them.
CONSENT_TEXTS = {
    "encart-2026-11": _(
        "Pour rester informé des actualités de l’Asie centrale. Vous recevrez un courriel pour confirmer "
        "votre inscription ; chaque newsletter contient un lien de désinscription."
    ),
    "page-2026-11": _(
        "J’accepte de recevoir la newsletter à la fréquence choisie. Mon adresse sert uniquement à cet envoi ; "
        "je peux me désinscrire, modifier mes préférences, exporter ou effacer mes données à tout moment."
    ),
}
CURRENT_CONSENT = {"box": "encart-2026-11", "page": "page-2026-11"}
CONTROL_CHARACTERS = {chr(c) for c in range(32)} | {"\x7f"}


def reject_control_characters(value):
    if any(char in CONTROL_CHARACTERS for char in str(value)):
        raise ValidationError(_("Les retours à la ligne et caractères de contrôle ne sont pas acceptés."))


def normalise_email(value):
    """Trimmed, domain in lower case and Unicode form, so one mailbox is one subscriber."""
    local, _at, domain = value.strip().rpartition("@")
    domain = domain.lower().rstrip(".")
    try:
        domain = codecs.decode(domain.encode("ascii"), "idna") if "xn--" in domain else domain
    except (UnicodeError, ValueError):
        raise ValidationError(_("Le nom de domaine de cette adresse n’est pas valide.")) from None
    return f"{local}@{domain}"


class NewsletterEmailField(forms.EmailField):
    default_error_messages = {"invalid": _("Saisissez une adresse électronique valide, par exemple nom@exemple.fr.")}

    def to_python(self, value):
        # Checked before Django strips the value: a trailing CR/LF is an injection attempt, not a typo.
        if value:
            reject_control_characters(value)
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        local = value.rpartition("@")[0]
        if not local.isascii():
            raise ValidationError(
                _("Les caractères accentués avant le @ ne sont pas pris en charge par tous les serveurs de courrier.")
            )


class SectionsField(forms.ModelMultipleChoiceField):
    """Followed sections. An id no database integer can hold (2⁶³, -1) is refused as an unknown choice
    before it reaches the database, where SQLite raises OverflowError (a 500) instead of finding nothing."""

    BIGINT_MAX = 2**63 - 1

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk).strip()
            if not text.isascii() or not text.isdigit() or not 0 < int(text) <= self.BIGINT_MAX:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class SubscribeForm(forms.Form):
    email = NewsletterEmailField(label=_("Votre adresse électronique"), max_length=254)
    frequency = forms.ChoiceField(
        label=_("Fréquence"), choices=Frequency, initial=Frequency.DAILY, required=False, widget=forms.RadioSelect
    )
    sections = SectionsField(
        label=_("Rubriques suivies"),
        queryset=Section.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucune rubrique cochée : toutes les rubriques."),
    )
    form = forms.ChoiceField(choices=[(key, key) for key in CURRENT_CONSENT], initial="page", widget=forms.HiddenInput)
    # Honeypot: hidden from people by CSS and aria-hidden; bots fill it in.
    website = forms.CharField(required=False, max_length=10_000, label=_("Ne pas remplir ce champ"))

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def clean_frequency(self):
        return self.cleaned_data.get("frequency") or Frequency.DAILY

    @property
    def is_bot(self):
        return bool(self.data.get("website"))

    @property
    def consent_version(self):
        return CURRENT_CONSENT[self.cleaned_data["form"]]


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Subscriber
        fields = ["frequency", "sections", "alerts", "paused"]
        field_classes = {"sections": SectionsField}
        widgets = {"frequency": forms.RadioSelect, "sections": forms.CheckboxSelectMultiple}
        labels = {
            "paused": _("Suspendre l’envoi (je ne reçois plus rien jusqu’à nouvel ordre)"),
            "alerts": _("Alertes : recevoir un courriel court lors d’un événement majeur"),
        }

    def save(self, commit=True):
        from newsletter.alerts import record_alert_choice

        record_alert_choice(self.instance, wanted=self.cleaned_data["alerts"])
        return super().save(commit)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        help_text=_("Colonnes : email, frequency (daily/weekly), sections (slugs séparés par |), consent_at."),
    )
    consent_version = forms.CharField(
        label=_("Origine du consentement"),
        max_length=20,
        validators=[reject_control_characters],
        help_text=_(
            "Par exemple « import-2026-11 » : où et quand ces personnes ont accepté de recevoir la newsletter."
        ),
    )
