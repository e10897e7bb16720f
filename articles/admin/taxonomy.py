"""Admin of sections, sources, authors and subject mappings."""

from functools import partial

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from articles.cache import purge_public_pages
from articles.models import Article, Author, Section, Source, SubjectMapping


class ShownOnPagesAdmin(admin.ModelAdmin):
    """Rows every public page may show (the section navigation, bylines, credits): a change or a
    deletion, from the form or the list's editable columns, makes every cached page stale once it
    commits. Soft: such edits are rare and nothing in them must vanish at once (a withdrawal does)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(partial(purge_public_pages, hard=False))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(partial(purge_public_pages, hard=False))

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(partial(purge_public_pages, hard=False))


@admin.register(Section)
class SectionAdmin(ShownOnPagesAdmin):
    list_display = ["name", "slug", "order", "on_home", "country_code"]
    list_editable = ["order", "on_home"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Source)
class SourceAdmin(ShownOnPagesAdmin):
    list_display = ["name", "is_agency", "credit"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(ShownOnPagesAdmin):
    list_display = ["name", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["user"]

    def get_deleted_objects(self, objs, request):
        """An author credited on an article is kept: deleting it would strip those bylines silently."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        credited = Article.objects.filter(authors__in=objs).values_list("headline", "authors__name").distinct()
        protected = [
            *protected,
            *(
                _("« %(headline)s », signé %(author)s : retirez d’abord l’auteur de la signature")
                % {"headline": headline, "author": author}
                for headline, author in credited.order_by("authors__name", "headline")
            ),
        ]
        # The admin shows missing permissions before protected objects: name the real reason.
        return deleted, counts, set() if protected else perms_needed, protected


@admin.register(SubjectMapping)
class SubjectMappingAdmin(admin.ModelAdmin):
    list_display = ["qcode", "section", "tag"]
    search_fields = ["qcode", "tag"]
