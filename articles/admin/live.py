"""« Directs » in the admin: open a direct on an article, post entries fast, moderate them, end it.

The change page of a direct carries a compact entry form (one click or Ctrl+Entrée; static/js/
live-admin.js posts it without a reload, and a plain POST + redirect works without JavaScript).
Every button calls a flow of articles/live.py, which checks the role again.
"""

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import live
from articles.forms import ImageUploadForm
from articles.models import LiveBlog, LiveEntry

ADMIN_ENTRIES = 100


class LiveEntryForm(forms.Form):
    title = forms.CharField(label=_("Titre (facultatif)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Texte"),
        widget=forms.Textarea(attrs={"rows": 4, "data-live-body": ""}),
        help_text=_("Quelques phrases. Ctrl+Entrée publie. Une ligne vide sépare deux paragraphes."),
    )
    image = forms.ImageField(label=_("Image (facultative)"), required=False)
    image_alt = forms.CharField(label=_("Texte alternatif de l’image"), max_length=300, required=False)
    embed_url = forms.URLField(
        label=_("Lien à intégrer (facultatif)"), required=False, assume_scheme="https", max_length=200
    )
    client_token = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not image:
            return None
        upload = ImageUploadForm(files={"upload": image})
        if not upload.is_valid():
            raise ValidationError(upload.errors["upload"])
        return image

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("image") and not (cleaned.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Décrivez l’image pour les lecteurs qui ne la voient pas."))
        return cleaned


class LiveEntryEditForm(forms.Form):
    title = forms.CharField(label=_("Titre (facultatif)"), max_length=200, required=False)
    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 6}))


@admin.register(LiveBlog)
class LiveBlogAdmin(admin.ModelAdmin):
    list_display = ["article", "state", "started_at", "last_entry_at", "entry_count"]
    list_filter = ["state"]
    search_fields = ["article__headline"]
    autocomplete_fields = ["article"]
    list_select_related = ["article"]
    change_form_template = "admin/articles/liveblog/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_total=Count("entries"))

    @admin.display(description=_("entrées"), ordering="entry_total")
    def entry_count(self, obj):
        return obj.entry_total

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["article", "summary"]
        return ["article", "state", "started_at", "ended_at", "opened_by", "summary"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["article", "state", "started_at", "ended_at", "opened_by"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            live.update_summary(live=obj, user=request.user, summary=form.cleaned_data["summary"])
        else:
            created = live.open_live(article=obj.article, user=request.user, summary=obj.summary)
            obj.pk = created.pk

    def get_urls(self):
        custom = [
            ("<int:pk>/entrees/", self.post_view, "post"),
            ("<int:pk>/entrees/<int:entry_pk>/modifier/", self.edit_view, "edit_entry"),
            ("<int:pk>/entrees/<int:entry_pk>/<str:action>/", self.entry_action_view, "entry_action"),
            ("<int:pk>/etat/<str:action>/", self.state_view, "state"),
        ]
        return [
            path(route, self.admin_site.admin_view(view), name=f"articles_liveblog_{name}")
            for route, view, name in custom
        ] + super().get_urls()

    def _live_or_404(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(LiveBlog.objects.select_related("article__section"), pk=pk)

    def _change_url(self, live_blog):
        return reverse("admin:articles_liveblog_change", args=[live_blog.pk])

    def _entries(self, live_blog):
        return LiveEntry.objects.filter(live=live_blog).select_related("author", "created_by", "promoted_to")[
            :ADMIN_ENTRIES
        ]

    def _panel_context(self, request, live_blog, form=None):
        return {
            "live": live_blog,
            "entry_form": form or LiveEntryForm(initial={"client_token": uuid.uuid4().hex}),
            "entries": self._entries(live_blog),
            "can_post": live_blog.can_post(request.user),
            "can_moderate": LiveBlog.can_moderate(request.user),
            "can_manage": LiveBlog.can_manage(request.user),
            "can_promote": request.user.has_perm("articles.add_article"),
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        live_blog = self.get_object(request, object_id)
        if live_blog is not None and request.method == "GET":
            extra_context = {**(extra_context or {}), **self._panel_context(request, live_blog)}
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _wants_json(request):
        return request.headers.get("X-Requested-With") == "fetch"

    def _entries_html(self, request, live_blog):
        context = self._panel_context(request, live_blog)
        return render_to_string("admin/articles/liveblog/_entries.html", context, request=request)

    @staticmethod
    def _errors(exc):
        return exc.messages if isinstance(exc, ValidationError) else [str(exc) or _("Action non autorisée.")]

    @method_decorator(require_POST)
    def post_view(self, request, pk):
        live_blog = self._live_or_404(request, pk)
        form = LiveEntryForm(request.POST, request.FILES)
        errors = []
        if form.is_valid():
            data = form.cleaned_data
            try:
                live.post_entry(live=live_blog, user=request.user, **data)
            except (PermissionDenied, ValidationError) as exc:
                errors = self._errors(exc)
        else:
            errors = [_form_error(form, name, errs) for name, errs in form.errors.items()]
        if self._wants_json(request):
            if errors:
                return JsonResponse({"ok": False, "errors": [str(e) for e in errors]}, status=400)
            return JsonResponse(
                {
                    "ok": True,
                    "message": str(_("Entrée publiée.")),
                    "entries_html": self._entries_html(request, live_blog),
                    "client_token": uuid.uuid4().hex,
                }
            )
        if errors:
            for error in errors:
                messages.error(request, error)
            # Keep what was typed: show the page again with the filled form rather than lose it.
            return self._panel_page(request, live_blog, form)
        messages.success(request, _("Entrée publiée."))
        return HttpResponseRedirect(self._change_url(live_blog) + "#entrees")

    def _panel_page(self, request, live_blog, form):
        context = {
            **self.admin_site.each_context(request),
            **self._panel_context(request, live_blog, form),
            "opts": self.opts,
            "original": live_blog,
            "title": _("Publier dans le direct"),
            "subtitle": str(live_blog),
        }
        return TemplateResponse(request, "admin/articles/liveblog/post.html", context, status=400)

    def edit_view(self, request, pk, entry_pk):
        live_blog = self._live_or_404(request, pk)
        entry = get_object_or_404(LiveEntry, pk=entry_pk, live=live_blog)
        if not LiveBlog.can_moderate(request.user):
            raise PermissionDenied
        form = LiveEntryEditForm(request.POST or None, initial={"title": entry.title, "body": entry.body})
        if request.method == "POST" and form.is_valid():
            try:
                live.edit_entry(entry=entry, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Entrée modifiée ; les lecteurs voient la mention de la modification."))
                return HttpResponseRedirect(self._change_url(live_blog) + "#entrees")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": live_blog,
            "entry": entry,
            "form": form,
            "title": _("Modifier une entrée"),
            "subtitle": str(live_blog),
        }
        return TemplateResponse(request, "admin/articles/liveblog/edit_entry.html", context)

    ENTRY_ACTIONS = {
        "epingler": (lambda e, u: live.pin_entry(entry=e, user=u), _("Entrée épinglée en tête du direct.")),
        "desepingler": (lambda e, u: live.pin_entry(entry=e, user=u, pinned=False), _("Entrée désépinglée.")),
        "supprimer": (lambda e, u: live.delete_entry(entry=e, user=u), _("Entrée supprimée ; une trace datée reste.")),
    }

    @method_decorator(require_POST)
    def entry_action_view(self, request, pk, entry_pk, action):
        live_blog = self._live_or_404(request, pk)
        entry = get_object_or_404(LiveEntry.objects.select_related("live__article"), pk=entry_pk, live=live_blog)
        if action == "article":
            try:
                article = live.promote_entry(entry=entry, user=request.user)
            except (PermissionDenied, ValidationError) as exc:
                messages.error(request, " ".join(str(e) for e in self._errors(exc)))
                return HttpResponseRedirect(self._change_url(live_blog) + "#entrees")
            messages.success(request, _("Brouillon créé à partir de l’entrée, avec un lien vers le direct."))
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        if action not in self.ENTRY_ACTIONS:
            messages.error(request, _("Action inconnue."))
            return HttpResponseRedirect(self._change_url(live_blog))
        method, done = self.ENTRY_ACTIONS[action]
        try:
            method(entry, request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(str(e) for e in self._errors(exc)))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(self._change_url(live_blog) + "#entrees")

    @method_decorator(require_POST)
    def state_view(self, request, pk, action):
        live_blog = self._live_or_404(request, pk)
        flows = {
            "terminer": (live.end_live, _("Le direct est terminé ; la page se lit comme un article archivé.")),
            "rouvrir": (live.reopen_live, _("Le direct est rouvert.")),
        }
        if action not in flows:
            messages.error(request, _("Action inconnue."))
            return HttpResponseRedirect(self._change_url(live_blog))
        flow, done = flows[action]
        try:
            flow(live=live_blog, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(str(e) for e in self._errors(exc)))
        else:
            messages.success(request, done)
        return HttpResponseRedirect(self._change_url(live_blog))


def _form_error(form, name, errors):
    text = " ".join(str(error) for error in errors)
    return f"{form.fields[name].label} : {text}" if name in form.fields else text
