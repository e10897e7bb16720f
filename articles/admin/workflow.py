"""Admin of corrections."""

from django.contrib import admin

from articles.models import Correction


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Corrections are made with « Corriger » on the article (which dates it and updates the article);
    here they are listed, and the chief editors may fix a note's wording."""

    list_display = ["article", "created_at", "user"]
    list_select_related = ["article", "user"]
    search_fields = ["article__headline", "wrong", "right"]
    readonly_fields = ["article", "user", "created_at"]
    fields = ["article", "wrong", "right", "user", "created_at"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.article.schedule_purge()
