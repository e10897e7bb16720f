from django.contrib import admin

from articles.models import Article, Author, Correction, Section, Source, SubjectMapping, WireWithdrawal


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "on_home", "country_code"]
    list_editable = ["order", "on_home"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "is_agency", "credit"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    autocomplete_fields = ["user"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "status", "source", "publish_at"]
    list_filter = ["status", "section", "source"]
    search_fields = ["headline", "standfirst"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "source", "authors", "based_on"]
    list_select_related = ["section", "source"]


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["article", "created_at"]
    autocomplete_fields = ["article"]


@admin.register(WireWithdrawal)
class WireWithdrawalAdmin(admin.ModelAdmin):
    list_display = ["guid", "version", "withdrawn_at"]
    search_fields = ["guid"]


@admin.register(SubjectMapping)
class SubjectMappingAdmin(admin.ModelAdmin):
    list_display = ["qcode", "section", "tag"]
    search_fields = ["qcode", "tag"]


# The « Fil AFP » (WireDispatch proxy) admin lives in its own module.
from articles import admin_wire  # noqa: E402, F401
