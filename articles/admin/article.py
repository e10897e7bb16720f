"""The article admin: list, change form, workflow buttons and bulk actions, limited by role."""

import json
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from articles import desk
from articles.admin.article_pages import ArticlePagesMixin
from articles.admin.dates import ProbedDatesChangeList
from articles.admin.wire import WireProvenanceMixin
from articles.cache_safety import cache_call
from articles.forms import ArticleAdminForm
from articles.models import Article, Author, Source, Transition
from articles.roles import is_journalist_only
from articles.search.admin import EngineSearchMixin

# name: (button label, success message). The buttons post `_transition=<name>` with the change form.
TRANSITIONS = {
    "submit": (_("Soumettre à la relecture"), _("L’article est soumis à la relecture.")),
    "publish": (_("Publier"), _("L’article est publié.")),
    "schedule": (_("Programmer"), _("L’article est programmé.")),
    "return_to_draft": (_("Renvoyer au rédacteur"), _("L’article est renvoyé au rédacteur.")),
    "unpublish": (_("Dépublier"), _("L’article est dépublié.")),
    "back_to_draft": (_("Remettre en brouillon"), _("L’article est redevenu un brouillon.")),
}


def _datetime(value):
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _user_name(user):
    return (user.get_full_name() or user.get_username()) if user else "—"


class MineFilter(admin.SimpleListFilter):
    title = _("auteur")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Mes articles"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.owned_by(request.user)
        return queryset


class WorkflowStatusFilter(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Brouillon")),
            ("returned", _("Renvoyé au rédacteur")),
            ("submitted", _("Soumis à la relecture")),
            ("scheduled", _("Programmé")),
            ("published", _("Publié")),
            ("unpublished", _("Dépublié")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "scheduled":
            return queryset.scheduled()
        if value == "returned":
            return desk.returned(queryset)
        if value == "published":
            return queryset.published()
        if value in Article.Status.values:
            return queryset.filter(status=value)
        return queryset


class AuthorFilter(admin.RelatedFieldListFilter):
    """« Par auteur »: the authors who signed at least one story, read from the signatures alone.
    RelatedOnlyFieldListFilter collected the authors of every article of the list — it joined every
    story to its signatures (a scan of the archive on each visit of the list)."""

    def field_choices(self, field, request, model_admin):
        signed = Article.authors.through.objects.filter(author=OuterRef("pk"))
        return [(author.pk, str(author)) for author in Author.objects.filter(Exists(signed)).order_by("name")]


@admin.register(Article)
class ArticleAdmin(ArticlePagesMixin, WireProvenanceMixin, EngineSearchMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["headline", "section", "status_badge", "source", "author_names", "publish_time"]
    list_filter = [MineFilter, WorkflowStatusFilter, "section", "source", ("authors", AuthorFilter)]
    # « 20 résultats (1 000 000 au total) » counted the whole table a second time on each filtered visit.
    show_full_result_count = False
    search_fields = ["headline", "kicker", "standfirst"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "source", "authors", "based_on", "featured_image"]
    list_select_related = ["section", "source"]
    readonly_fields = ["status_badge", "workflow_history", "correction_notes"]
    actions = ["submit_selected", "publish_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "kicker", "standfirst", "body"]}),
        (_("Rubrique et signature"), {"fields": ["section", "tags", "authors", "byline", "dateline"]}),
        (_("Source"), {"fields": ["source", "based_on", "credit_line"]}),
        (
            _("Image principale"),
            {"fields": ["featured_image"], "classes": ["collapse"]},
        ),
        (_("Publication"), {"fields": ["status_badge", "publish_at", "updated_at"]}),
        (_("Circuit de publication"), {"fields": ["workflow_history", "correction_notes"]}),
    ]

    def get_changelist(self, request, **kwargs):
        return ProbedDatesChangeList  # newest first from an index, the date hierarchy by probes

    # Filters an index serves newest first: a status (status, publish time), a section, a source, a
    # period. A list with any other (« mes articles », an author, the returned drafts), a search, or a
    # journalist's own stories is read from its rows, not by walking an index (articles/admin/dates.py).
    INDEX_PARAMS = {"etat", "section__id__exact", "source__id__exact", "o"} | {
        f"publish_at__{part}" for part in ("year", "month", "day")
    }

    def walks_index(self, request, changelist):
        if changelist.query or is_journalist_only(request.user) or changelist.params.get("etat") == "returned":
            return False
        return set(changelist.params) <= self.INDEX_PARAMS

    # --- What each role sees and may change ---------------------------------------------

    def get_queryset(self, request):
        # Explicit select_related: the changelist skips list_select_related once a mixin has selected any.
        queryset = super().get_queryset(request).select_related("section", "source").prefetch_related("authors")
        # The badge tells a returned draft (last move: « Renvoyer au rédacteur ») from a fresh one.
        last_move = Transition.objects.filter(article=OuterRef("pk")).order_by("-created_at", "-id")
        queryset = queryset.annotate(last_from_status=Subquery(last_move.values("from_status")[:1]))
        if is_journalist_only(request.user):
            queryset = queryset.owned_by(request.user)
        return queryset

    def get_search_results(self, request, queryset, search_term):
        # The « d’après la dépêche » autocomplete lists agency dispatches, which journalists do not own.
        if (
            request.path == reverse("admin:autocomplete")
            and request.GET.get("model_name") == "article"
            and request.GET.get("field_name") == "based_on"
        ):
            queryset = Article.objects.filter(source__is_agency=True, withdrawn_at__isnull=True)
        return super().get_search_results(request, queryset, search_term)

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or not is_journalist_only(request.user) or obj.is_owned_by(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.can_edit(request.user)

    def has_submit_permission(self, request):
        return request.user.has_perm("articles.submit_article")

    def has_publish_permission(self, request):
        return request.user.has_perm("articles.publish_article")

    def has_unpublish_permission(self, request):
        return request.user.has_perm("articles.unpublish_article")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_publish_permission(request):
            return fieldsets
        # Publish and update times, and the credit line, are the editors' business: not in a
        # journalist's form at all (the credit then follows the source and « d’après la dépêche »).
        hidden = {"publish_at", "updated_at", "credit_line"}
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "source" in form.base_fields and not self.has_publish_permission(request):
            # A journalist writes for the newsroom: an agency source would put the story in « Fil AFP ».
            form.base_fields["source"].queryset = Source.objects.filter(is_agency=False)
        return form

    def get_deleted_objects(self, objs, request):
        """A dispatch, or a story readers have seen, is never deleted: sent editions, corrections and the
        history cite it. Unpublish it instead."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        kept = [a for a in objs if a.wire_guid or a.source.is_agency or a.first_published_at is not None]
        protected = [
            *protected,
            *(
                _("« %(headline)s » : dépêche d’agence ou article déjà publié, dépubliez-le plutôt")
                % {"headline": article.headline}
                for article in kept
            ),
        ]
        # The admin shows missing permissions before protected objects: name the real reason.
        return deleted, counts, set() if protected else perms_needed, protected

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        in_house = Source.objects.filter(is_agency=False).order_by("pk").first()
        if in_house is not None:
            initial.setdefault("source", in_house.pk)
        return initial

    # --- Saving: one revision per save, transitions after the save ------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision(manage_manually=False):
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        if reversion.is_active():
            reversion.set_comment(_("Création"))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if reversion.is_active():
            reversion.set_comment(self._change_summary(message))
        return super().log_change(request, obj, message)

    @staticmethod
    def _change_summary(message):
        if isinstance(message, list):
            message = json.dumps(message)
        return LogEntry(change_message=message).get_change_message() or _("Modification")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.status = Article.Status.DRAFT
        super().save_model(request, obj, form, change)
        if change and obj.status == Article.Status.PUBLISHED:
            obj.schedule_purge()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        author = Author.objects.filter(user=request.user).first()
        if not change and author is not None and not form.instance.authors.exists():
            form.instance.authors.add(author)

    def response_add(self, request, obj, post_url_continue=None):
        if request.POST.get("_transition"):
            self._apply_transition(request, obj, request.POST["_transition"])
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if request.POST.get("_transition"):
            self._apply_transition(request, obj, request.POST["_transition"])
            if self.has_view_permission(request, obj):
                return HttpResponseRedirect(request.path)
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        return super().response_change(request, obj)

    def _apply_transition(self, request, obj, name):
        """Run a transition button. The model method checks the user's right again: a crafted POST gets nowhere."""
        user = request.user
        methods = {
            "submit": lambda: obj.submit(user=user),
            "publish": lambda: obj.publish(user=user),
            "schedule": lambda: obj.schedule(user=user, at=obj.publish_at),
            "return_to_draft": lambda: obj.return_to_draft(
                user=user, comment=request.POST.get("_transition_comment", "")
            ),
            "unpublish": lambda: obj.unpublish(user=user, comment=request.POST.get("_transition_comment", "")),
            "back_to_draft": lambda: obj.back_to_draft(user=user),
        }
        if name not in methods:
            messages.error(request, _("Action inconnue."))
            return False
        try:
            methods[name]()
        except PermissionDenied as error:
            messages.error(request, str(error) or _("Action non autorisée."))
            return False
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return False
        messages.success(request, TRANSITIONS[name][1])
        return True

    # --- The change form page ---------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        article = obj if obj is not None else Article(created_by=request.user)
        names = [n for n in article.available_transitions(request.user) if n in TRANSITIONS]
        context["workflow_buttons"] = [{"name": n, "label": TRANSITIONS[n][0]} for n in names]
        context["can_correct"] = obj is not None and obj.can_correct(request.user)
        context["comment_needed"] = "return_to_draft" in names or "unpublish" in names
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            self._announce_other_editors(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def _announce_other_editors(self, request, object_id):
        """« En cours d’édition par X »: who else opened this article in the last minutes (shared cache).

        Without the cache (Redis down) nobody is shown and nothing is recorded: the page still opens."""
        key = f"article-editing:{object_id}"
        now = timezone.now()
        window = timedelta(seconds=settings.EDITING_PRESENCE_SECONDS)
        present = {uid: seen for uid, seen in (cache_call("get", key) or {}).items() if now - seen[1] < window}
        for uid, (name, opened_at) in present.items():
            if uid != request.user.pk:
                messages.warning(
                    request,
                    _("En cours d’édition par %(name)s (ouvert à %(time)s).")
                    % {"name": name, "time": formats.time_format(timezone.localtime(opened_at))},
                )
        present[request.user.pk] = (_user_name(request.user), now)
        cache_call("set", key, present, settings.EDITING_PRESENCE_SECONDS)

    # --- Columns and read-only blocks --------------------------------------------------------

    @admin.display(description=_("statut"), ordering="status")
    def status_badge(self, obj):
        if obj.pk is None:
            return "—"
        key = "scheduled" if obj.is_scheduled else obj.status
        label = _("Programmé") if obj.is_scheduled else obj.get_status_display()
        if obj.status == Article.Status.DRAFT and getattr(obj, "last_from_status", None) == Article.Status.SUBMITTED:
            key, label = "returned", _("Renvoyé au rédacteur")
        # Colours in static/css/admin.css.
        return format_html('<span class="status-badge status-{}">{}</span>', key, label)

    @admin.display(description=_("auteurs"))
    def author_names(self, obj):
        return obj.byline_parts().names or str(obj.credit) or "—"

    @admin.display(description=_("publication"), ordering="publish_at")
    def publish_time(self, obj):
        if obj.publish_at is None:
            return "—"
        if obj.is_scheduled:
            return _("Programmé pour %(date)s") % {"date": _datetime(obj.publish_at)}
        return _datetime(obj.publish_at)

    @admin.display(description=_("historique"))
    def workflow_history(self, obj):
        if obj.pk is None:
            return "—"
        rows = obj.transitions.select_related("user")
        if not rows:
            return _("Aucune transition pour l’instant.")
        return format_html(
            '<table class="workflow-history"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            _("Date"),
            _("Par"),
            _("De"),
            _("Vers"),
            _("Commentaire"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        _datetime(t.created_at),
                        _user_name(t.user) if t.actor == Transition.Actor.PERSON else t.get_actor_display(),
                        t.get_from_status_display(),
                        t.get_to_status_display(),
                        t.comment,
                    )
                    for t in rows
                ),
            ),
        )

    @admin.display(description=_("corrections"))
    def correction_notes(self, obj):
        if obj.pk is None or not obj.corrections.exists():
            return "—"
        return format_html_join(
            "",
            "<p>{} ({}) : « {} » → « {} »</p>",
            (
                (_datetime(c.created_at), _user_name(c.user), c.wrong, c.right)
                for c in obj.corrections.select_related("user")
            ),
        )

    # --- Bulk actions, limited by role ------------------------------------------------------

    def _bulk(self, request, queryset, method, done_message):
        done, refused = 0, 0
        for article in queryset:
            try:
                method(article)
            except (PermissionDenied, ValidationError):
                refused += 1
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        if refused:
            self.message_user(
                request, _("%(count)d article(s) ignoré(s) : action impossible.") % {"count": refused}, messages.WARNING
            )

    @admin.action(description=_("Soumettre à la relecture"), permissions=["submit"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, lambda a: a.submit(user=request.user), _("%(count)d article(s) soumis."))

    @admin.action(description=_("Publier maintenant"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, lambda a: a.publish(user=request.user), _("%(count)d article(s) publié(s)."))

    @admin.action(description=_("Dépublier"), permissions=["unpublish"])
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, lambda a: a.unpublish(user=request.user), _("%(count)d article(s) dépublié(s)."))

    def changelist_view(self, request, extra_context=None):
        if is_journalist_only(request.user):
            extra_context = {**(extra_context or {}), "title": _("Mes articles")}
        return super().changelist_view(request, extra_context)
