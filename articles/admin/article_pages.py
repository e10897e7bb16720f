"""ArticleAdmin's own pages: preview, share link, versions and restore, correction, image upload."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from articles import preview, revisions
from articles.forms import CorrectionForm, ImageUploadForm
from articles.models import Image
from articles.tasks import make_renditions


class ArticlePagesMixin:
    """For ArticleAdmin: the pages hung off get_urls(), reusing the admin's templates and permissions."""

    # --- Custom pages: preview, share link, versions, correction, image upload ---------------

    def get_urls(self):
        custom = [
            ("image-upload/", self.image_upload_view, "image_upload"),
            ("<path:object_id>/apercu/", self.preview_view, "preview"),
            ("<path:object_id>/partager/", self.share_view, "share"),
            ("<path:object_id>/versions/", self.versions_view, "versions"),
            ("<path:object_id>/versions/comparer/", self.compare_view, "compare"),
            ("<path:object_id>/versions/<int:version_id>/restaurer/", self.restore_view, "restore"),
            ("<path:object_id>/corriger/", self.correct_view, "correct"),
        ]
        urls = [
            path(route, self.admin_site.admin_view(func), name=f"articles_article_{name}")
            for route, func, name in custom
        ]
        return urls + super().get_urls()

    def _article_or_404(self, request, object_id, *, change=False):
        article = get_object_or_404(self.get_queryset(request), pk=object_id)
        allowed = self.has_change_permission(request, article) if change else self.has_view_permission(request, article)
        if not allowed:
            raise PermissionDenied
        return article

    def _page(self, request, article, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": article,
                "title": title,
                "subtitle": str(article),
                "has_view_permission": True,
                **context,
            },
        )

    def preview_view(self, request, object_id):
        return preview.render_preview(request, self._article_or_404(request, object_id))

    def share_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        expires = timezone.now() + timedelta(seconds=settings.PREVIEW_LINK_MAX_AGE)
        return self._page(
            request,
            article,
            "admin/articles/article/share_link.html",
            _("Lien d’aperçu à partager"),
            share_url=preview.share_url(article),
            expires_at=expires,
        )

    def versions_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        return self._page(
            request,
            article,
            "admin/articles/article/versions.html",
            _("Versions de l’article"),
            versions=revisions.versions_of(article),
            can_restore=self.has_change_permission(request, article),
        )

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        versions = revisions.versions_of(article)
        try:
            old = versions.get(pk=request.GET.get("a"))
            new = versions.get(pk=request.GET.get("b"))
        except (ValueError, versions.model.DoesNotExist):
            messages.error(request, _("Choisissez deux versions à comparer."))
            return HttpResponseRedirect(reverse("admin:articles_article_versions", args=[article.pk]))
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        return self._page(
            request,
            article,
            "admin/articles/article/compare.html",
            _("Comparaison de deux versions"),
            old=old,
            new=new,
            rows=revisions.compare(old, new),
        )

    def restore_view(self, request, object_id, version_id):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_versions", args=[object_id]))
        article = self._article_or_404(request, object_id, change=True)
        version = get_object_or_404(revisions.versions_of(article), pk=version_id)
        revisions.restore(article, version, user=request.user)
        messages.success(request, _("La version choisie est restaurée ; elle devient la version actuelle."))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def correct_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        if not article.can_correct(request.user):
            raise PermissionDenied
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                article.correct(user=request.user, wrong=form.cleaned_data["wrong"], right=form.cleaned_data["right"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("La correction est publiée au pied de l’article."))
                return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        return self._page(
            request,
            article,
            "admin/articles/article/correct.html",
            _("Corriger l’article"),
            form=form,
        )

    def image_upload_view(self, request):
        return _image_upload(request, self)


@require_POST
def _image_upload(request, model_admin):
    """CKEditor's upload endpoint: staff who may write articles, real images within limits, under MEDIA_ROOT."""
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        return JsonResponse({"error": {"message": str(_("Vous ne pouvez pas envoyer d’image."))}}, status=403)
    form = ImageUploadForm(files=request.FILES)
    if not form.is_valid():
        message = " ".join(form.errors.get("upload", [])) or str(_("Fichier refusé."))
        return JsonResponse({"error": {"message": message}}, status=400)
    # The picture joins the library (caption, credit and alt text are filled in there), re-encoded
    # without metadata by Image.save(); the body keeps the original's URL, renditions follow.
    image = Image(file=form.cleaned_data["upload"], uploaded_by=request.user)
    image.save()
    transaction.on_commit(lambda: make_renditions.enqueue(image.pk))
    return JsonResponse({"url": image.url})
