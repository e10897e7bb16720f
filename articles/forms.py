"""Admin forms: the article form (attribution rules, lost-update guard) and the editor's image upload."""

from django import forms
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_ckeditor_5.widgets import CKEditor5Widget
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Source
from articles.uploads import validate_image_file

IN_HOUSE_SOURCE_SLUG = "redaction"


class ArticleAdminForm(forms.ModelForm):
    # The version the form was opened with; a save against a newer version is refused (no lost update).
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Article
        # Narrowed further by ArticleAdmin.get_fieldsets() for each role; status moves only by transitions.
        fields = [
            "headline",
            "slug",
            "kicker",
            "standfirst",
            "body",
            "section",
            "tags",
            "authors",
            "byline",
            "dateline",
            "source",
            "based_on",
            "credit_line",
            "featured_image",
            "publish_at",
            "updated_at",
        ]
        widgets = {"body": CKEditor5Widget(config_name="default")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["edit_version"].required = True
            self.fields["edit_version"].initial = self.instance.edit_version

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        limit = Tag._meta.get_field("name").max_length
        too_long = [tag for tag in tags if len(tag) > limit]
        if too_long:
            raise forms.ValidationError(
                _("Un mot-clé ne peut pas dépasser %(limit)d caractères (« %(tag)s… »)."),
                params={"limit": limit, "tag": too_long[0][:40]},
            )
        return tags

    def clean(self):
        cleaned = super().clean()
        self._clean_attribution(cleaned)
        self._clean_publish_time(cleaned)
        return cleaned

    def _clean_attribution(self, cleaned):
        """A rewrite of a dispatch is in-house « avec AFP »; a dispatch stays credited to its agency."""
        source = cleaned.get("source")
        based_on = cleaned.get("based_on")
        was_dispatch = self.instance.pk is not None and self.instance.source_id and self.instance.source.is_agency
        if was_dispatch and source is not None and not source.is_agency:
            self.add_error(
                "source",
                _(
                    "Une dépêche d’agence ne peut pas être présentée comme un article de la rédaction. "
                    "Créez un nouvel article et choisissez cette dépêche dans « d’après la dépêche »."
                ),
            )
            return
        if based_on is not None:
            if not based_on.source.is_agency:
                self.add_error("based_on", _("Choisissez une dépêche d’agence."))
                return
            if based_on.pk == self.instance.pk:
                self.add_error("based_on", _("Un article ne peut pas être tiré de lui-même."))
                return
            if was_dispatch:
                self.add_error("based_on", _("Une dépêche n’est pas tirée d’une autre dépêche."))
                return
            if "source" in self.fields:
                cleaned["source"] = Source.objects.get(slug=IN_HOUSE_SOURCE_SLUG)
            cleaned["credit_line"] = _("avec %(agency)s") % {"agency": based_on.source.credit or based_on.source.name}
        elif source is not None and source.is_agency:
            cleaned["credit_line"] = source.credit or source.name

    def _clean_publish_time(self, cleaned):
        """On a published article the publish time moves only through « Programmer » (a recorded transition)."""
        if "publish_at" not in self.fields or self.instance.status != Article.Status.PUBLISHED:
            return
        if "publish_at" in self.changed_data and self.data.get("_transition") != "schedule":
            self.add_error(
                "publish_at",
                _("Pour changer l’heure de publication d’un article programmé, utilisez le bouton « Programmer »."),
            )

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self._errors or self.instance.pk is None:
            return
        # Compare-and-bump inside the admin's save transaction: the row stays locked until the save
        # commits, so of two concurrent saves from the same version exactly one goes through.
        version = self.cleaned_data["edit_version"]
        bumped = Article.objects.filter(pk=self.instance.pk, edit_version=version).update(
            edit_version=F("edit_version") + 1
        )
        if bumped:
            self.instance.edit_version = version + 1
        else:
            self.add_error(None, conflict_message(self.instance))


def conflict_message(article):
    latest = Version.objects.get_for_object(article).select_related("revision__user").first()
    user = latest.revision.user if latest else None
    params = {
        "user": (user.get_full_name() or user.get_username()) if user else _("quelqu’un d’autre"),
        "date": formats.date_format(timezone.localtime(latest.revision.date_created), "DATETIME_FORMAT")
        if latest
        else "",
    }
    return (
        _(
            "Cet article a été modifié par %(user)s (%(date)s) depuis que vous l’avez ouvert. "
            "Vos modifications n’ont pas été enregistrées, pour ne pas écraser les siennes : "
            "copiez votre texte, rechargez la page, puis reportez vos changements."
        )
        % params
    )


class CorrectionForm(forms.Form):
    wrong = forms.CharField(
        label=_("Ce qui était inexact"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Par exemple « Le sommet se tenait à Almaty »."),
    )
    right = forms.CharField(
        label=_("Ce qui est exact"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Affiché aux lecteurs au pied de l’article : « Correction du … : … »."),
    )


class ImageUploadForm(forms.Form):
    """An image dropped into the body: the same checks as every image field (articles/uploads.py)."""

    upload = forms.ImageField(validators=[validate_image_file])
