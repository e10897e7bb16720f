import csv
import io
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower, TruncDate
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.models import Section
from newsletter import sending, tasks
from newsletter.forms import ImportForm, NewsletterEmailField
from newsletter.models import Delivery, Edition, EditionArticle, Frequency, Newsletter, Subscriber

CSV_COLUMNS = ["email", "status", "frequency", "sections", "paused", "consent_at", "consent_version", "confirmed_at"]


class Echo:
    def write(self, value):
        return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell a spreadsheet would run as a formula (OWASP « CSV injection ») gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def spreadsheet_unsafe(value):
    """The reverse, on import: a cell exported by spreadsheet_safe() comes back as it was."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def subscriber_rows(queryset):
    yield CSV_COLUMNS
    for subscriber in queryset.prefetch_related("sections").iterator(chunk_size=2000):
        yield [spreadsheet_safe(cell) for cell in subscriber_row(subscriber)]


def subscriber_row(subscriber):
    return [
        subscriber.email,
        subscriber.status,
        subscriber.frequency,
        "|".join(section.slug for section in subscriber.sections.all()),
        "1" if subscriber.paused else "0",
        subscriber.consent_at.isoformat() if subscriber.consent_at else "",
        subscriber.consent_version,
        subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else "",
    ]


def csv_response(queryset, filename):
    writer = csv.writer(Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in subscriber_rows(queryset)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def import_subscribers(file, *, consent_version, now=None):
    """Validate every row first; import only if all are valid. Returns (created, rejects)."""
    now = now or timezone.now()
    sections = {section.slug: section for section in Section.objects.all()}
    try:
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        rows = list(csv.DictReader(text))
    except (UnicodeDecodeError, csv.Error) as error:
        return 0, [(0, "", _("Fichier illisible : %(error)s") % {"error": error})]
    field = NewsletterEmailField(max_length=254)
    seen, valid, rejects = set(), [], []
    for line, row in enumerate(rows, start=2):
        row = {key: spreadsheet_unsafe(value or "") for key, value in row.items() if isinstance(key, str)}
        raw = (row.get("email") or "").strip()
        try:
            email = sending_normalise(field.clean(raw))
        except ValidationError as error:
            rejects.append((line, raw[:254], " ".join(error.messages)))
            continue
        if email.lower() in seen:
            rejects.append((line, email, _("Adresse en double dans le fichier.")))
            continue
        seen.add(email.lower())
        frequency = (row.get("frequency") or Frequency.DAILY).strip()
        if frequency not in Frequency.values:
            rejects.append(
                (line, email, _("Fréquence inconnue « %(value)s » (daily ou weekly).") % {"value": frequency[:20]})
            )
            continue
        slugs = [slug.strip() for slug in (row.get("sections") or "").split("|") if slug.strip()]
        unknown = [slug for slug in slugs if slug not in sections]
        if unknown:
            rejects.append((line, email, _("Rubrique inconnue : %(slugs)s.") % {"slugs": ", ".join(unknown)[:200]}))
            continue
        consent_raw = (row.get("consent_at") or "").strip()
        consent_at = parse_datetime(consent_raw) if consent_raw else now
        if consent_at is None:
            rejects.append(
                (line, email, _("Date de consentement illisible « %(value)s ».") % {"value": consent_raw[:40]})
            )
            continue
        if timezone.is_naive(consent_at):
            consent_at = timezone.make_aware(consent_at)
        valid.append((line, email, frequency, [sections[slug] for slug in slugs], consent_at))
    existing = set(
        Subscriber.objects.annotate(lower=Lower("email"))
        .filter(lower__in=[email.lower() for _line, email, *_rest in valid])
        .values_list("lower", flat=True)
    )
    created = 0
    with transaction.atomic():
        for line, email, frequency, followed, consent_at in valid:
            if email.lower() in existing:
                rejects.append((line, email, _("Adresse déjà présente : non modifiée.")))
                continue
            subscriber = Subscriber.objects.create(
                email=email,
                status=Subscriber.Status.ACTIVE,
                frequency=frequency,
                consent_at=consent_at,
                consent_version=consent_version,
                confirmed_at=consent_at,
            )
            if followed:
                subscriber.sections.set(followed)
            created += 1
    return created, sorted(rejects)


def sending_normalise(email):
    from newsletter.forms import normalise_email

    return normalise_email(email)


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
        count = sum(tasks.request_confirmation(subscriber=subscriber) for subscriber in queryset)
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


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency", "auto_send", "subscriber_count"]
    list_filter = ["frequency", "auto_send"]
    prepopulated_fields = {"slug": ["name", "frequency"]}
    actions = ["assemble"]

    @admin.display(description=gettext_lazy("abonnés actifs"))
    def subscriber_count(self, newsletter):
        return Subscriber.objects.active().filter(frequency=newsletter.frequency).count()

    @admin.action(description=gettext_lazy("Assembler une nouvelle édition"), permissions=["change"])
    def assemble(self, request, queryset):
        for newsletter in queryset:
            edition = sending.assemble_edition(newsletter=newsletter)
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Édition assemblée :"),
                    reverse("admin:newsletter_edition_change", args=[edition.pk]),
                    edition.subject,
                ),
            )


class EditionArticleInline(admin.TabularInline):
    model = EditionArticle
    raw_id_fields = ["article"]
    fields = ["position", "article", "section", "visible"]
    readonly_fields = ["section", "visible"]
    extra = 0

    def get_queryset(self, request):
        # The section and visibility columns read each row's article: join it, not one query per row.
        return super().get_queryset(request).select_related("article__section")

    @admin.display(description=gettext_lazy("rubrique"))
    def section(self, item):
        return item.article.section if item.article_id else "—"

    @admin.display(description=gettext_lazy("visible des lecteurs"), boolean=True)
    def visible(self, item):
        return item.article.is_published if item.article_id else None

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.is_editable


def progress_bar(counts):
    total = counts.get("total", 0)
    done = counts.get("sent", 0) + counts.get("failed", 0) + counts.get("skipped", 0)
    return format_html(
        '<progress value="{}" max="{}" style="width:10em"></progress> {} / {} / {}',
        done,
        total or 1,
        counts.get("sent", 0),
        counts.get("failed", 0),
        total,
    )


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["subject", "newsletter", "status", "scheduled_at", "progress", "finished_at"]
    list_filter = ["status", "newsletter", "automatic"]
    search_fields = ["subject"]
    date_hierarchy = "period_end"
    inlines = [EditionArticleInline]
    readonly_fields = ["status", "automatic", "started_at", "finished_at", "figures"]
    fields = [
        "newsletter",
        "subject",
        "intro",
        "period_start",
        "period_end",
        "scheduled_at",
        "status",
        "automatic",
        "started_at",
        "finished_at",
        "figures",
    ]
    change_form_template = "admin/newsletter/edition/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return [*self.fields]
        return self.readonly_fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("newsletter")
            .annotate(
                n_sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
                n_failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
                n_skipped=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SKIPPED)),
                n_total=Count("deliveries"),
            )
        )

    @admin.display(description=gettext_lazy("envoyés / échecs / total"))
    def progress(self, edition):
        return progress_bar(
            {"sent": edition.n_sent, "failed": edition.n_failed, "skipped": edition.n_skipped, "total": edition.n_total}
        )

    @admin.display(description=gettext_lazy("chiffres"))
    def figures(self, edition):
        if edition.pk is None:
            return "—"
        counts = edition.delivery_counts()
        return format_html(
            '<span id="edition-progress" data-url="{}">{}</span><br>{}',
            reverse("admin:newsletter_edition_progress", args=[edition.pk]),
            progress_bar(counts),
            ", ".join(f"{label} : {counts.get(value, 0)}" for value, label in Delivery.Status.choices),
        )

    def get_urls(self):
        def view(func, name):
            return path(f"<int:pk>/{name}/", self.admin_site.admin_view(func), name=f"newsletter_edition_{name}")

        return [
            view(self.preview_view, "preview"),
            view(self.progress_view, "progress"),
            view(self.send_test_view, "test"),
            view(self.send_view, "send"),
            view(self.schedule_view, "schedule"),
            *super().get_urls(),
        ]

    def _edition(self, request, pk, *, send=False):
        edition = get_object_or_404(Edition.objects.select_related("newsletter"), pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        if send and not request.user.has_perm("newsletter.send_edition"):
            raise PermissionDenied
        return edition

    def _back(self, edition):
        return HttpResponseRedirect(reverse("admin:newsletter_edition_change", args=[edition.pk]))

    def preview_view(self, request, pk):
        """The HTML exactly as sent (to someone following every section), in the browser."""
        edition = self._edition(request, pk)
        html = sending.preview_html(edition=edition)
        if html is None:
            html = "<p>" + _("Aucun article visible des lecteurs dans cette édition.") + "</p>"
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    def progress_view(self, request, pk):
        edition = self._edition(request, pk)
        return JsonResponse({"status": edition.status, **edition.delivery_counts()})

    def send_test_view(self, request, pk):
        edition = self._edition(request, pk, send=True)
        if request.method != "POST":
            return self._back(edition)
        if not request.user.email:
            self.message_user(request, _("Votre compte n’a pas d’adresse électronique."), messages.ERROR)
        elif sending.send_test(edition=edition, to=request.user.email):
            self.message_user(request, _("Test envoyé à %(email)s.") % {"email": request.user.email})
        else:
            self.message_user(request, _("Rien à envoyer : aucun article visible."), messages.WARNING)
        return self._back(edition)

    def send_view(self, request, pk):
        edition = self._edition(request, pk, send=True)
        if request.method == "POST":
            if sending.start_edition(edition=edition):
                self.message_user(request, _("Envoi lancé."))
            else:
                self.message_user(request, _("Cette édition est déjà envoyée ou en cours d’envoi."), messages.WARNING)
        return self._back(edition)

    def schedule_view(self, request, pk):
        edition = self._edition(request, pk, send=True)
        if request.method == "POST":
            if edition.scheduled_at is None or edition.scheduled_at <= timezone.now():
                self.message_user(
                    request, _("Indiquez d’abord une date d’envoi future, puis enregistrez."), messages.ERROR
                )
            elif sending.schedule_edition(edition=edition, when=edition.scheduled_at):
                self.message_user(request, _("Envoi programmé."))
        return self._back(edition)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "edition", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "edition"]
    search_fields = ["subscriber__email", "message_id"]
    list_select_related = ["subscriber", "edition"]
    readonly_fields = [
        "edition",
        "subscriber",
        "status",
        "attempts",
        "error",
        "message_id",
        "next_attempt_at",
        "sent_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
