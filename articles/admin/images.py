"""The image library in the admin: search (also the article form's picker), focal point, safe deletion."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.cache import purge_public_pages
from articles.models.images import Image
from articles.tasks import make_renditions


class FocalPointWidget(forms.NumberInput):
    """A 0–100 number input the focal-point picker (static/js/focal-point.js) keeps in step with clicks."""

    def __init__(self, axis):
        super().__init__(attrs={"min": 0, "max": 100, "step": 1, "data-focal-axis": axis, "class": "focal-input"})


class ImageAdminForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "caption", "credit", "alt_text", "decorative", "origin", "focal_x", "focal_y"]
        widgets = {"focal_x": FocalPointWidget("x"), "focal_y": FocalPointWidget("y")}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["thumbnail", "__str__", "credit", "origin", "decorative", "uploaded_at"]
    list_display_links = ["thumbnail", "__str__"]
    list_filter = ["origin", "decorative", "uploaded_at"]
    search_fields = ["caption", "credit", "alt_text", "file"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["focal_picker", "dimensions", "uploaded_at", "uploaded_by"]
    fieldsets = [
        (None, {"fields": ["file", "dimensions", "caption", "credit", "alt_text", "decorative", "origin"]}),
        (
            _("Point focal"),
            {
                "fields": ["focal_picker", "focal_x", "focal_y"],
                "description": _(
                    "Cliquez sur l’image à l’endroit qui doit rester visible dans les recadrages (16:9, 4:3, 1:1), "
                    "ou utilisez les flèches du clavier sur l’image, ou saisissez les pourcentages."
                ),
            },
        ),
        (_("Envoi"), {"fields": ["uploaded_at", "uploaded_by"]}),
    ]

    class Media:
        js = ["js/focal-point.js"]
        css = {"all": ["css/focal-point.css"]}

    @admin.display(description=_("aperçu"))
    def thumbnail(self, image):
        return format_html('<img src="{}" alt="" width="80" loading="lazy">', image.url) if image.file else ""

    @admin.display(description=_("dimensions"))
    def dimensions(self, image):
        return f"{image.width} × {image.height} px" if image.file else "—"

    @admin.display(description=_("choisir le point focal"))
    def focal_picker(self, image):
        if not image.file:
            return _("Enregistrez l’image une première fois pour choisir son point focal.")
        return format_html(
            '<div class="focal-picker" tabindex="0" role="application" aria-label="{}" data-x="{}" data-y="{}">'
            '<img src="{}" alt=""><span class="focal-marker" aria-hidden="true"></span></div>',
            _("Point focal : flèches pour déplacer, Maj + flèche pour aller plus vite"),
            image.focal_x,
            image.focal_y,
            image.url,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: make_renditions.enqueue(obj.pk))
        if change:
            transaction.on_commit(purge_public_pages)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # An image shown in an article's text has no foreign key to protect it: list those articles too.
        for image in objs:
            for article in image.articles_using().exclude(featured_image=image):
                label = _("Article « %(headline)s » (image dans le texte)") % {"headline": article.headline}
                if label not in protected:
                    protected.append(label)
        if protected:
            # Refused whatever the user's rights: say which articles use it, not which rights are missing.
            perms_needed = set()
        return deleted, model_count, perms_needed, protected
