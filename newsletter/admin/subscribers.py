"""Admin of subscribers: lists with counts, CSV export and import, statistics; status only through actions."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Section
from newsletter import confirmation
from newsletter.csv_io import csv_response, import_subscribers
from newsletter.forms import ImportForm
from newsletter.models import Delivery, Edition, Subscriber


class SubscriberAdminForm(forms.ModelForm):
    # Followed sections have a through model (a followed section is protected from deletion), which the
    # admin cannot edit as a field of the model: a plain form field, saved in save_related().
    followed_sections = forms.ModelMultipleChoiceField(
        queryset=Section.objects.all(),
        required=False,
        label=gettext_lazy("rubriques suivies"),
        help_text=gettext_lazy("Aucune rubrique cochée : l’abonné reçoit toutes les rubriques."),
        widget=FilteredSelectMultiple(gettext_lazy("rubriques"), is_stacked=False),
    )

    class Meta:
        model = Subscriber
        fields = ["email", "frequency", "paused"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["followed_sections"].initial = list(self.instance.sections.all())


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = SubscriberAdminForm
    list_display = ["email", "status", "frequency", "paused", "created_at", "confirmed_at"]
    list_filter = ["status", "frequency", "paused", "sections", "consent_version"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    # The status changes only through the model's transitions (the actions below, the subscriber's
    # own links, the ESP's feedback): pending → active needs the address's confirmation.
    readonly_fields = [
        "status",
        "consent_at",
        "consent_version",
        "confirmed_at",
        "confirmation_sent_at",
        "unsubscribed_at",
        "status_reason",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "status", "frequency", "followed_sections", "paused"]}),
        (
            gettext_lazy("Consentement"),
            {"fields": ["consent_at", "consent_version", "confirmed_at", "confirmation_sent_at"]},
        ),
        (gettext_lazy("Historique"), {"fields": ["unsubscribed_at", "status_reason", "created_at", "updated_at"]}),
    ]
    actions = ["export_csv", "unsubscribe", "send_confirmation"]
    change_list_template = "admin/newsletter/subscriber/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="newsletter_subscriber_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="newsletter_subscriber_export"),
            path("statistiques/", self.admin_site.admin_view(self.stats_view), name="newsletter_subscriber_stats"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        counts = dict(Subscriber.objects.values_list("status").annotate(n=Count("id")).order_by())
        extra_context = {
            **(extra_context or {}),
            "status_counts": [(label, counts.get(value, 0), value) for value, label in Subscriber.Status.choices],
            "total_count": sum(counts.values()),
            "export_query": request.GET.urlencode(),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=gettext_lazy("Exporter en CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return csv_response(queryset.order_by("id"), "abonnes.csv")

    @admin.action(description=gettext_lazy("Désinscrire"), permissions=["change"])
    def unsubscribe(self, request, queryset):
        count = sum(
            subscriber.unsubscribe(reason=_("Par %(user)s") % {"user": request.user}) for subscriber in queryset
        )
        self.message_user(request, _("%(count)d abonné(s) désinscrit(s).") % {"count": count})

    @admin.action(description=gettext_lazy("Renvoyer le lien de confirmation"), permissions=["change"])
    def send_confirmation(self, request, queryset):
        """Pending or unsubscribed addresses get a fresh confirmation link; active again only if they click."""
        count = sum(confirmation.request_confirmation(subscriber=subscriber) for subscriber in queryset)
        skipped = queryset.count() - count
        self.message_user(request, _("%(count)d lien(s) de confirmation envoyé(s).") % {"count": count})
        if skipped:
            self.message_user(
                request,
                _("%(count)d abonné(s) ignoré(s) : déjà actifs, ou adresse invalide ou plainte signalée.")
                % {"count": skipped},
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.instance.sections.set(form.cleaned_data["followed_sections"])

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return csv_response(changelist.get_queryset(request).order_by("id"), "abonnes.csv")

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        result = None
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                created, rejects = import_subscribers(
                    form.cleaned_data["file"], consent_version=form.cleaned_data["consent_version"]
                )
                result = {"created": created, "rejects": rejects}
                if created:
                    messages.success(request, _("%(count)d abonné(s) importé(s).") % {"count": created})
        else:
            form = ImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Importer des abonnés"),
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/newsletter/subscriber/import.html", context)

    def stats_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Statistiques de la newsletter"),
            "active_series": active_series(days=90),
            "editions": edition_figures(limit=20),
        }
        return TemplateResponse(request, "admin/newsletter/subscriber/stats.html", context)


def active_series(*, days):
    """[(day, active subscribers at the end of that day)] for the last `days` days."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    joined = dict(
        Subscriber.objects.filter(confirmed_at__isnull=False)
        .annotate(day=TruncDate("confirmed_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    left = dict(
        Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=False)
        .annotate(day=TruncDate("unsubscribed_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    level = sum(n for day, n in joined.items() if day < start) - sum(n for day, n in left.items() if day < start)
    series = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        level += joined.get(day, 0) - left.get(day, 0)
        series.append((day, level))
    peak = max((n for _d, n in series), default=0) or 1
    width = 600 / max(len(series) - 1, 1)
    points = " ".join(f"{i * width:.1f},{150 - 140 * n / peak:.1f}" for i, (_d, n) in enumerate(series))
    return {"points": points, "peak": peak, "first": series[0], "last": series[-1]}


def edition_figures(*, limit):
    editions = list(
        Edition.objects.select_related("newsletter")
        .exclude(status=Edition.Status.DRAFT)
        .annotate(
            sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
            failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
            total=Count("deliveries"),
        )
        .order_by("-period_end")[:limit]
    )
    peak = max((edition.total for edition in editions), default=0) or 1
    for edition in editions:
        edition.sent_width = round(300 * edition.sent / peak)
        edition.failed_width = round(300 * edition.failed / peak)
    return editions
