"""Admin pages of third-party models, in the newsroom's French: mots-clés (taggit) and background tasks."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult
from taggit.models import Tag, TaggedItem

from articles.cache import purge_public_pages


class MergeTagsForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Mot-clé à garder"),
        queryset=Tag.objects.none(),
        widget=forms.RadioSelect,
        help_text=_("Les autres mots-clés sélectionnés disparaissent ; leurs articles reçoivent celui-ci."),
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = tags


def merge_tags(*, target, others):
    """Move every use of `others` onto `target` in one transaction, then delete `others`."""
    other_ids = [tag.pk for tag in others if tag.pk != target.pk]
    with transaction.atomic():
        items = TaggedItem.objects.filter(tag_id__in=other_ids)
        # An object tagged with the target (or with two of the merged tags) keeps one row.
        seen = set(TaggedItem.objects.filter(tag=target).values_list("content_type_id", "object_id"))
        duplicates = []
        for pk, content_type_id, object_id in items.values_list("pk", "content_type_id", "object_id"):
            if (content_type_id, object_id) in seen:
                duplicates.append(pk)
            seen.add((content_type_id, object_id))
        TaggedItem.objects.filter(pk__in=duplicates).delete()
        moved = items.update(tag=target)
        Tag.objects.filter(pk__in=other_ids).delete()
        transaction.on_commit(purge_public_pages)
    return moved


@admin.action(description=_("Fusionner les mots-clés sélectionnés"), permissions=["change"])
def merge_selected_tags(modeladmin, request, queryset):
    if queryset.count() < 2:
        modeladmin.message_user(request, _("Sélectionnez au moins deux mots-clés à fusionner."), messages.WARNING)
        return None
    form = MergeTagsForm(request.POST if "target" in request.POST else None, tags=queryset)
    if form.is_bound and form.is_valid():
        target = form.cleaned_data["target"]
        others = list(queryset.exclude(pk=target.pk))
        merge_tags(target=target, others=others)
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d mot-clé fusionné dans « %(target)s ».",
                "%(count)d mots-clés fusionnés dans « %(target)s ».",
                len(others),
            )
            % {"count": len(others), "target": target.name},
            messages.SUCCESS,
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Fusionner des mots-clés"),
        "opts": modeladmin.model._meta,
        "form": form,
        "queryset": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/taggit/tag/merge.html", context)


class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "article_count"]
    ordering = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    actions = [merge_selected_tags]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_count=Count("taggit_taggeditem_items"))

    @admin.display(description=_("articles"), ordering="article_count")
    def article_count(self, tag):
        return tag.article_count

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A renamed mot-clé changes every page that lists it.
        transaction.on_commit(purge_public_pages)


class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ["task_label", "status", "enqueued_at", "started_at", "finished_at", "priority", "queue_name"]

    @admin.display(description=_("tâche"), ordering="task_path")
    def task_label(self, result):
        return result.task_path.rsplit(".", 1)[-1]

    @admin.display(description=_("trace d’erreur"))
    def formatted_traceback(self, result):
        return super().formatted_traceback(result)

    @admin.display(description=_("pas avant le"))
    def display_run_after(self, result):
        return super().display_run_after(result)


admin.site.unregister(Tag)
admin.site.register(Tag, TagAdmin)
admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)

# Accounts: no escalation past what the person granting holds (#10).
from newsroom import admin_users  # noqa: E402, F401
