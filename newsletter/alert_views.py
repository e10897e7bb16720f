"""« Envoyer une alerte » for a direct: a short form for editors, then the alert goes out at once."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import LiveBlog
from newsletter import alerts


class AlertForm(forms.Form):
    subject = forms.CharField(label=_("Objet"), max_length=alerts.SUBJECT_MAX)
    intro = forms.CharField(
        label=_("Texte de l’alerte"),
        max_length=alerts.INTRO_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Deux ou trois phrases ; le lien vers le direct suit."),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(label=_("J’envoie cette alerte maintenant à tous les abonnés aux alertes"))


@staff_member_required
def send_alert_view(request, live_pk):
    if not request.user.has_perm("newsletter.send_edition"):
        raise PermissionDenied
    live = get_object_or_404(LiveBlog.objects.select_related("article__section"), pk=live_pk)
    initial = {"subject": alerts.default_subject(live), "intro": alerts.default_intro(live), "nonce": uuid.uuid4().hex}
    form = AlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            edition = alerts.send_alert(
                live=live, user=request.user, **{k: form.cleaned_data[k] for k in ("subject", "intro", "nonce")}
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("L’alerte part : suivez l’envoi sur la page de l’édition."))
            return HttpResponseRedirect(reverse("admin:newsletter_edition_change", args=[edition.pk]))
    context = {
        **admin.site.each_context(request),
        "title": _("Envoyer une alerte"),
        "subtitle": str(live),
        "live": live,
        "form": form,
        "recipients": alerts.alert_recipients().count(),
    }
    return TemplateResponse(request, "newsletter/alert_send.html", context, status=400 if form.errors else 200)
