"""The reader's search form: query, filters and sort, each value checked; a bad one is dropped, not fatal."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Section, Source
from articles.search import DATE, RELEVANCE

EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, strip=True)
    rubrique = forms.ModelChoiceField(
        label=_("Rubrique"),
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes les rubriques"),
    )
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=Source.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("Toutes les sources"),
    )
    du = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    tri = forms.ChoiceField(
        label=_("Trier par"), choices=[(RELEVANCE, _("pertinence")), (DATE, _("date"))], required=False
    )

    def _clean_date(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(_("Indiquez une date entre 1990 et 2100."))
        return value

    def clean_du(self):
        return self._clean_date("du")

    def clean_au(self):
        return self._clean_date("au")

    def clean(self):
        data = super().clean()
        start, end = data.get("du"), data.get("au")
        if start and end and start > end:
            self.add_error("au", _("La date de fin précède la date de début."))
        return data

    def value(self, name, default=None):
        """The field's value if it was valid, else `default`: a bad filter is ignored, the rest still applies."""
        if not self.is_bound or name in self.errors:
            return default
        return getattr(self, "cleaned_data", {}).get(name) or default

    def filter(self, queryset):
        """`queryset` narrowed by the valid filters."""
        if section := self.value("rubrique"):
            queryset = queryset.filter(section=section)
        if source := self.value("source"):
            queryset = queryset.filter(source=source)
        if start := self.value("du"):
            queryset = queryset.filter(publish_at__gte=_midnight(start))
        if end := self.value("au"):
            queryset = queryset.filter(publish_at__lt=_midnight(end + dt.timedelta(days=1)))
        return queryset

    def filters(self):
        """The filter fields as the page writes them: (bound field, options) where options, for the
        lists, are (value, label, selected) — read with one plain query per list. Django's widget
        templates cost 14 ms a page here (a template per option, a server-side cursor per list)."""
        lists = {
            "rubrique": [("", self.fields["rubrique"].empty_label), *Section.objects.values_list("slug", "name")],
            "source": [("", self.fields["source"].empty_label), *Source.objects.values_list("slug", "name")],
            "tri": self.fields["tri"].choices,
        }
        for name in ("rubrique", "source", "du", "au", "tri"):
            field = self[name]
            current = str(field.value() or "")
            options = [(value, label, str(value) == current) for value, label in lists.get(name, ())]
            yield field, options

    @property
    def has_filters(self):
        return any(self.value(name) for name in ("rubrique", "source", "du", "au"))


def _midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
