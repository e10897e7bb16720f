"""Admin for the name variants, and the mixin that makes admin lists search with the site's engine."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from articles import cache, search
from articles.models import SearchVariant
from articles.search.query import forget_variants


class EngineSearchMixin:
    """Search the list with the full-text engine (accents, stems, variants, every word of the body);
    drafts included, since it narrows the admin's own queryset. A wire guid still matches exactly."""

    def get_search_results(self, request, queryset, search_term):
        found = search.filter_queryset(queryset, search_term) if search_term.strip() else None
        if found is None:
            return super().get_search_results(request, queryset, search_term)
        return found, False


def _variants_changed():
    # After the commit: a process that read the new version before it would keep the old table.
    transaction.on_commit(forget_variants)
    # Cached result pages were built with the old variants; no other page uses them.
    cache.purge_keys_on_commit([cache.SEARCH])


@admin.register(SearchVariant)
class SearchVariantAdmin(admin.ModelAdmin):
    list_display = ["name", "spelling_summary", "note"]
    search_fields = ["name", "spellings", "note"]
    fields = ["name", "spellings", "note"]

    @admin.display(description=_("variantes"))
    def spelling_summary(self, obj):
        return " · ".join(obj.spelling_list())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        _variants_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        _variants_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        _variants_changed()
