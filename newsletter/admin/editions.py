"""Admin of newsletters, editions (review, preview, test, send, schedule, progress) and deliveries."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter import editions, rendering
from newsletter.models import Delivery, Edition, EditionArticle, Newsletter, Subscriber


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
            edition = editions.assemble_edition(newsletter=newsletter)
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
        html = rendering.preview_html(edition=edition)
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
        elif rendering.send_test(edition=edition, to=request.user.email):
            self.message_user(request, _("Test envoyé à %(email)s.") % {"email": request.user.email})
        else:
            self.message_user(request, _("Rien à envoyer : aucun article visible."), messages.WARNING)
        return self._back(edition)

    def send_view(self, request, pk):
        edition = self._edition(request, pk, send=True)
        if request.method == "POST":
            if editions.start_edition(edition=edition):
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
            elif editions.schedule_edition(edition=edition, when=edition.scheduled_at):
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
