"""« Fil AFP »: the agency dispatches in the admin, and the wire provenance shown on in-house articles.

`WireProvenanceMixin` adds to ArticleAdmin (articles/admin/article.py) the warning when the dispatch
an article is based on was withdrawn, and the overlap meter. Withdrawal tombstones are listed here too.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from taggit.models import Tag, TaggedItem

from articles import desk, overlap, wire
from articles.admin.live_wire import add_to_live
from articles.models import Article, Section, WireDispatch, WireWithdrawal
from articles.search.admin import EngineSearchMixin


def dispatch_state(article):
    """What an editor needs to know of a dispatch at a glance: withdrawn, withheld, to validate, online…"""
    if article.withdrawn_at is not None:
        return _("retirée par l’agence")
    if (article.wire_meta or {}).get("pub_status") == wire.WITHHELD:
        return _("retenue par l’agence")
    if article.status in (Article.Status.DRAFT, Article.Status.SUBMITTED):
        return _("à valider")
    if article.is_scheduled:
        return _("programmée")
    return article.get_status_display().lower()


# Newest version first; stories without a wire version (an agency story typed in by hand) last.
WIRE_ORDER = [F("wire_version_created").desc(nulls_last=True), "-id"]
SUBJECT_DISPATCHES = 500


class CountryFilter(admin.SimpleListFilter):
    title = gettext_lazy("pays")
    parameter_name = "pays"

    def lookups(self, request, model_admin):
        return [(s.slug, s.name) for s in Section.objects.exclude(country_code="")]

    def queryset(self, request, queryset):
        return queryset.filter(section__slug=self.value()) if self.value() else queryset


class SubjectFilter(admin.SimpleListFilter):
    title = gettext_lazy("sujet")
    parameter_name = "sujet"

    def lookups(self, request, model_admin):
        # The subjects of the newest dispatches — the wire the desk is handling — and the one chosen:
        # every subject of every dispatch ever received joined the whole archive's tags on each visit.
        recent = Article.objects.filter(source__is_agency=True).order_by(*WIRE_ORDER).values("pk")[:SUBJECT_DISPATCHES]
        used = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(Article), object_id__in=recent)
        tags = Tag.objects.filter(Q(pk__in=used.values("tag_id")) | Q(slug=self.value() or None))
        return [(t.slug, t.name) for t in tags.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(tags__slug=self.value()) if self.value() else queryset


@admin.register(WireDispatch)
class WireDispatchAdmin(EngineSearchMixin, admin.ModelAdmin):
    """Read-only list of the dispatches, newest first, with « Publier tel quel » and « Réécrire »."""

    list_display = ["headline", "section", "state", "wire_version", "wire_version_created", "rewrite_count", "buttons"]
    list_display_links = ["headline"]
    list_filter = [CountryFilter, SubjectFilter, "status"]
    search_fields = ["headline", "standfirst", "wire_guid"]
    ordering = WIRE_ORDER
    list_select_related = ["section"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["publish_selected", add_to_live]
    change_list_template = "admin/articles/wiredispatch/change_list.html"
    change_form_template = "admin/articles/wiredispatch/change_form.html"
    fieldsets = [
        (None, {"fields": ["headline", "standfirst", "body_html"]}),
        (
            gettext_lazy("Dépêche"),
            {
                "fields": [
                    "state",
                    "wire_guid",
                    "wire_version",
                    "wire_first_created",
                    "wire_version_created",
                    "embargo",
                    "section",
                    "dateline_text",
                    "byline",
                    "credit_line",
                    "tag_list",
                    "subject_list",
                    "agency_note",
                    "rewrite_links",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # A subquery, not Count("rewrites"): the aggregate grouped every dispatch, the page's count too.
        rewrites = Article.objects.filter(based_on=OuterRef("pk")).order_by().values("based_on").annotate(n=Count("pk"))
        return (
            super()
            .get_queryset(request)
            .filter(source__is_agency=True)
            .annotate(rewrites_total=Coalesce(Subquery(rewrites.values("n")), 0))
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # The desk's « Fil AFP à traiter » counts what arrived after this visit.
        desk.mark_wire_seen(request.user)
        return response

    # Dispatches arrive from the wire: nobody adds or edits one here (rewrite it, or edit it as an article).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def has_rewrite_permission(self, request):
        return request.user.has_perm("articles.add_article")

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<int:pk>/publier/",
                self.admin_site.admin_view(require_POST(self.publish_view)),
                name="{}_{}_publish".format(*info),
            ),
            path(
                "<int:pk>/reecrire/",
                self.admin_site.admin_view(require_POST(self.rewrite_view)),
                name="{}_{}_rewrite".format(*info),
            ),
            *super().get_urls(),
        ]

    def _url(self, name, obj):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=[obj.pk])

    def publish_view(self, request, pk):
        dispatch = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            wire.publish_dispatch(dispatch=dispatch, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
        else:
            done = _("programmée") if dispatch.is_scheduled else _("publiée")
            self.message_user(request, _("Dépêche « %(h)s » %(done)s.") % {"h": dispatch.headline, "done": done})
        return redirect(request.POST.get("next") or reverse("admin:articles_wiredispatch_changelist"))

    def rewrite_view(self, request, pk):
        dispatch = get_object_or_404(self.get_queryset(request), pk=pk)
        try:
            article = wire.rewrite_dispatch(dispatch=dispatch, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            self.message_user(request, " ".join(getattr(exc, "messages", [str(exc)])), messages.ERROR)
            return redirect(reverse("admin:articles_wiredispatch_change", args=[dispatch.pk]))
        self.message_user(request, _("Brouillon créé d’après la dépêche : réécrivez-le, il sera crédité « avec AFP »."))
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))

    @admin.action(description=gettext_lazy("Publier tel quel"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        published, refused = 0, []
        for dispatch in queryset:
            try:
                wire.publish_dispatch(dispatch=dispatch, user=request.user)
                published += 1
            except (PermissionDenied, ValidationError):
                refused.append(dispatch.headline)
        if published:
            self.message_user(request, _("%d dépêche(s) publiée(s).") % published)
        if refused:
            self.message_user(request, _("Non publiées : %s") % " ; ".join(refused), messages.WARNING)

    @admin.display(description=gettext_lazy("état"))
    def state(self, obj):
        text = dispatch_state(obj)
        if obj.withdrawn_at is not None:
            return format_html('<strong class="errornote" style="padding:2px 6px">{}</strong>', text)
        return text

    @admin.display(description=gettext_lazy("réécritures"), ordering="rewrites_total")
    def rewrite_count(self, obj):
        return obj.rewrites_total

    @admin.display(description="")
    def buttons(self, obj):
        # The buttons submit the form below the list (change_list.html): forms cannot nest in the list's form.
        html = []
        if obj.withdrawn_at is None and obj.status in (Article.Status.DRAFT, Article.Status.SUBMITTED):
            html.append(
                format_html(
                    '<button type="submit" class="button" form="wire-action-form" formaction="{}">{}</button>',
                    self._url("publish", obj),
                    _("Publier tel quel"),
                )
            )
        if obj.withdrawn_at is None:
            html.append(
                format_html(
                    '<button type="submit" class="button" form="wire-action-form" formaction="{}">{}</button>',
                    self._url("rewrite", obj),
                    _("Réécrire"),
                )
            )
        return mark_safe(" ".join(html))  # noqa: S308 — each part was built by format_html

    @admin.display(description=gettext_lazy("texte"))
    def body_html(self, obj):
        # The body is sanitised on ingest and on every save (articles.sanitize).
        return mark_safe(obj.body)  # noqa: S308

    @admin.display(description=gettext_lazy("embargo"))
    def embargo(self, obj):
        value = wire.embargo_of(obj)
        return timezone.localtime(value) if value else "—"

    @admin.display(description=gettext_lazy("ligne de date"))
    def dateline_text(self, obj):
        return (obj.wire_meta or {}).get("dateline") or obj.dateline

    @admin.display(description=gettext_lazy("mots-clés"))
    def tag_list(self, obj):
        return ", ".join(sorted(obj.tags.names())) or "—"

    @admin.display(description=gettext_lazy("sujets de l’agence"))
    def subject_list(self, obj):
        subjects = (obj.wire_meta or {}).get("subjects") or []
        return format_html_join(", ", "{} <code>{}</code>", ((s["name"], s["qcode"]) for s in subjects)) or "—"

    @admin.display(description=gettext_lazy("note de l’agence (jamais publiée)"))
    def agency_note(self, obj):
        meta = obj.wire_meta or {}
        lines = [meta.get("ed_note", ""), meta.get("withdrawal_note", ""), *meta.get("flags", [])]
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines if line)) or "—"

    @admin.display(description=gettext_lazy("articles réécrits"))
    def rewrite_links(self, obj):
        rewrites = obj.rewrites.all()
        links = format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>',
            ((reverse("admin:articles_article_change", args=[r.pk]), r.headline) for r in rewrites),
        )
        return links or "—"


class WireProvenanceMixin:
    """For ArticleAdmin: warn when the dispatch an article is based on was withdrawn; show the overlap meter."""

    wire_provenance_fields = ["dispatch_warning", "overlap_meter"]

    def get_queryset(self, request):
        # Fetched for the rows shown, not joined: on a list read from its rows (a search, « mes articles »)
        # PostgreSQL hashed the whole table to join each story to its dispatch (1.7 s at a million stories).
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("based_on", queryset=Article.objects.select_related("source")))
        )

    def get_list_display(self, request):
        return [*super().get_list_display(request), "dispatch_withdrawn"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.wire_provenance_fields]

    def get_fieldsets(self, request, obj=None):
        # Without explicit fieldsets Django lists every field once: drop ours, then give them their own block.
        fieldsets = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in self.wire_provenance_fields]})
            for name, opts in super().get_fieldsets(request, obj)
        ]
        if obj is None or obj.based_on_id is None:
            return fieldsets
        return [*fieldsets, (_("D’après une dépêche"), {"fields": self.wire_provenance_fields})]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = self.get_object(request, object_id) if request.method == "GET" else None
        if article is not None and article.based_on is not None and article.based_on.withdrawn_at is not None:
            self.message_user(request, withdrawn_message(article), messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=gettext_lazy("dépêche"), boolean=False)
    def dispatch_withdrawn(self, obj):
        if obj.based_on is not None and obj.based_on.withdrawn_at is not None:
            return format_html('<strong style="color:#ba2121">⚠ {}</strong>', _("dépêche retirée"))
        return ""

    @admin.display(description=gettext_lazy("dépêche d’origine"))
    def dispatch_warning(self, obj):
        if obj is None or obj.based_on is None:
            return "—"
        link = format_html(
            '<a href="{}">{}</a>', reverse("admin:articles_wiredispatch_change", args=[obj.based_on_id]), obj.based_on
        )
        if obj.based_on.withdrawn_at is not None:
            return format_html('<strong style="color:#ba2121">⚠ {}</strong> {}', withdrawn_message(obj), link)
        return link

    @admin.display(description=gettext_lazy("reprise de la dépêche"))
    def overlap_meter(self, obj):
        ratio = overlap.article_overlap(obj) if obj is not None else None
        if ratio is None:
            return "—"
        text = _("%(percent)d %% du texte repris mot pour mot de la dépêche (suites de %(n)d mots)") % {
            "percent": round(ratio * 100),
            "n": overlap.SHINGLE_WORDS,
        }
        if overlap.is_copy(ratio):
            return format_html(
                '<meter min="0" max="1" value="{}"></meter> <strong style="color:#ba2121">⚠ {} — {}</strong>',
                f"{ratio:.3f}",
                text,
                _("au-delà de %d %% c’est une copie, pas une réécriture")
                % round(settings.OVERLAP_WARNING_THRESHOLD * 100),
            )
        return format_html('<meter min="0" max="1" value="{}"></meter> {}', f"{ratio:.3f}", text)


def withdrawn_message(article):
    return _(
        "L’AFP a retiré la dépêche dont cet article est tiré (le %(date)s) : vérifiez-le, dépubliez-le si besoin."
    ) % {"date": f"{timezone.localtime(article.based_on.withdrawn_at):%d/%m/%Y %H:%M}"}


@admin.register(WireWithdrawal)
class WireWithdrawalAdmin(admin.ModelAdmin):
    list_display = ["guid", "version", "withdrawn_at"]
    search_fields = ["guid"]
