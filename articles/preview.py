"""« Aperçu »: an unpublished article as readers would see it, for staff and through signed share links."""

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from articles.models import Article

SHARE_SALT = "articles.share-preview"


def _signer():
    return signing.TimestampSigner(salt=SHARE_SALT)


def share_token(article):
    return _signer().sign(str(article.pk))


def share_url(article):
    """Absolute link a non-staff reader can open until PREVIEW_LINK_MAX_AGE has passed."""
    return settings.SITE_URL + reverse("articles:share_preview", kwargs={"token": share_token(article)})


def render_preview(request, article):
    from articles.views import render_article

    response = render_article(request, article, preview=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def share_preview(request, token):
    """Public view behind the signed link: one article, whatever its state, until the link expires."""
    try:
        pk = _signer().unsign(token, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature
        raise Http404("Lien d’aperçu invalide ou expiré.") from error
    queryset = Article.objects.select_related("section", "source", "based_on", "based_on__source")
    return render_preview(request, get_object_or_404(queryset, pk=pk))
