"""The desk in the admin: topics (« sujets ») and the day's story budget, notifications and their settings."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from articles import desk
from articles.models import Article, Assignment, Author, Notification, NotificationSettings, Source
from articles.notifications import notify_assigned


class OpenFilter(admin.SimpleListFilter):
    title = _("avancement")
    parameter_name = "ouverts"

    def lookups(self, request, model_admin):
        return [("1", _("À faire (idée, assigné, en cours)")), ("0", _("Terminés ou abandonnés"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(status__in=Assignment.OPEN_STATUSES)
        if self.value() == "0":
            return queryset.exclude(status__in=Assignment.OPEN_STATUSES)
        return queryset


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["working_title", "section", "assignee_names", "editor", "due_at", "status", "article"]
    list_filter = [OpenFilter, "status", "section", ("assignees", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["section", "editor", "article"]
    search_fields = ["working_title", "notes"]
    autocomplete_fields = ["section", "dispatch", "article"]
    filter_horizontal = ["assignees"]
    date_hierarchy = "due_at"
    fields = [
        "working_title",
        "section",
        "assignees",
        "editor",
        "due_at",
        "expected_length",
        "status",
        "notes",
        "dispatch",
        "article",
    ]
    actions = ["start_article"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("assignees")

    @admin.display(description=_("journalistes"))
    def assignee_names(self, assignment):
        return ", ".join(user.get_full_name() or user.get_username() for user in assignment.assignees.all()) or "—"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "assignees":
            kwargs["queryset"] = db_field.related_model.objects.filter(is_staff=True, is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.assignees.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        added = form.instance.assignees.exclude(pk__in=before)
        notify_assigned(form.instance, list(added), by=request.user)

    @admin.action(description=_("Commencer l’article de ce sujet"), permissions=["change"])
    def start_article(self, request, queryset):
        """A draft pre-filled from each topic (title, section, journalists, dispatch), linked to it."""
        started = 0
        for assignment in queryset.select_related("section", "dispatch").filter(article__isnull=True):
            article = start_article(assignment, user=request.user)
            if article is not None:
                started += 1
        if started:
            self.message_user(request, _("%(count)d brouillon(s) créé(s) depuis les sujets.") % {"count": started})
        else:
            self.message_user(
                request,
                _("Aucun brouillon créé : ces sujets ont déjà un article ou pas de rubrique."),
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path("budget/", self.admin_site.admin_view(self.budget_view), name="articles_assignment_budget"),
            *super().get_urls(),
        ]

    def budget_view(self, request):
        """« Budget du jour »: every topic due on a day, by section, printable for the morning meeting."""
        if not self.has_view_permission(request):
            return redirect("admin:index")
        try:
            day = dt.date.fromisoformat(request.GET.get("jour", ""))
        except ValueError:
            day = timezone.localdate()
        rows = list(desk.budget(day))
        sections = {}
        for assignment in rows:
            sections.setdefault(assignment.section, []).append(assignment)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Budget du jour"),
            "opts": self.opts,
            "day": day,
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "sections": list(sections.items()),
            "total": len(rows),
            "words": sum(assignment.expected_length or 0 for assignment in rows),
        }
        return TemplateResponse(request, "admin/articles/assignment/budget.html", context)


def start_article(assignment, *, user):
    """Create the draft a topic becomes (once), credited to its journalists, and link it."""
    if assignment.section_id is None:
        return None
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.article_id is not None:
            return None
        article = Article.objects.create(
            headline=assignment.working_title,
            section=assignment.section,
            source=Source.objects.filter(is_agency=False).order_by("pk").first(),
            based_on=assignment.dispatch,
            created_by=user,
            status=Article.Status.DRAFT,
        )
        article.authors.set(Author.objects.filter(user__in=assignment.assignees.all()))
        locked.article = article
        if locked.status in (Assignment.Status.IDEA, Assignment.Status.ASSIGNED):
            locked.status = Assignment.Status.IN_PROGRESS
        locked.save(update_fields=["article", "status"])
    return article


class NotificationSettingsForm(forms.Form):
    shown = forms.MultipleChoiceField(
        label=_("Me prévenir dans la rédaction"),
        choices=Notification.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    emailed = forms.MultipleChoiceField(
        label=_("M’envoyer aussi un email"),
        choices=Notification.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Seulement pour ce que vous avez choisi ci-dessus. Un email par événement, jamais deux."),
    )


def notification_list(request):
    """The signed-in person's notifications, newest first; opening one marks it read."""
    mine = Notification.objects.filter(recipient=request.user).select_related("article")
    if request.method == "POST":
        mine.unread().update(read_at=timezone.now())
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
        return redirect("admin:desk_notifications")
    context = {
        **admin.site.each_context(request),
        "title": _("Notifications"),
        "notifications": list(mine[:100]),
    }
    return TemplateResponse(request, "admin/desk/notifications.html", context)


def notification_open(request, pk):
    # Only the recipient's own read flag changes: following the link is reading it.
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("admin:desk_notifications")
    return redirect(target or "admin:desk_notifications")


def notification_preferences(request):
    prefs, _created = NotificationSettings.objects.get_or_create(user=request.user)
    initial = {
        "shown": [kind for kind in Notification.Kind.values if prefs.wants(kind)],
        "emailed": list(prefs.email_kinds),
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        prefs.muted_kinds = [kind for kind in Notification.Kind.values if kind not in form.cleaned_data["shown"]]
        prefs.email_kinds = form.cleaned_data["emailed"]
        prefs.save(update_fields=["muted_kinds", "email_kinds"])
        messages.success(request, _("Vos préférences de notification sont enregistrées."))
        return redirect("admin:desk_preferences")
    context = {
        **admin.site.each_context(request),
        "title": _("Mes notifications"),
        "form": form,
        "has_email": bool(request.user.email),
    }
    return TemplateResponse(request, "admin/desk/preferences.html", context)


def desk_urls(site):
    """URLs the admin site mounts under /admin/desk/ (see newsroom/admin_site.py)."""
    view = site.admin_view
    return [
        path("desk/notifications/", view(notification_list), name="desk_notifications"),
        path("desk/notifications/<int:pk>/", view(notification_open), name="desk_notification_open"),
        path("desk/preferences/", view(notification_preferences), name="desk_preferences"),
    ]
