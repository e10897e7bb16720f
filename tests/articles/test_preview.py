"""« Aperçu » for staff, and the signed, expiring share link for one unpublished article."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from articles.preview import share_token
from articles.roles import EDITOR, JOURNALIST
from tests.articles.helpers import change_url
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


def draft(**overrides):
    return make_article(
        headline="Un brouillon sur Douchanbé",
        body="<h2>Intertitre</h2><p>Texte en préparation.</p>",
        status=Article.Status.DRAFT,
        publish_at=None,
        **overrides,
    )


def test_editor_previews_a_draft_as_readers_would_see_it(client):
    client.force_login(make_user(groups=[EDITOR]))
    article = draft()
    assert client.get(article.get_absolute_url()).status_code == 404  # not public yet
    response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))
    assert response.status_code == 200
    assert "Un brouillon sur Douchanbé" in response.text
    assert "<h2>Intertitre</h2>" in response.text
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "articles/article_detail.html" in [t.name for t in response.templates]


def test_preview_is_in_the_change_form(client):
    client.force_login(make_user(groups=[EDITOR]))
    article = draft()
    html = client.get(change_url(article)).text
    assert reverse("admin:articles_article_preview", args=[article.pk]) in html
    assert "Aperçu" in html


def test_journalist_cannot_preview_someone_elses_draft(client):
    client.force_login(make_user(groups=[JOURNALIST]))
    article = draft(created_by=make_user(groups=[JOURNALIST]))
    assert client.get(reverse("admin:articles_article_preview", args=[article.pk])).status_code in (403, 404)


def test_anonymous_cannot_preview_in_admin(client):
    response = client.get(reverse("admin:articles_article_preview", args=[draft().pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_share_link_lets_a_non_staff_person_read_one_draft(client):
    editor = make_user(groups=[EDITOR])
    client.force_login(editor)
    article = draft()
    page = client.get(reverse("admin:articles_article_share", args=[article.pk]))
    assert page.status_code == 200
    # The link the editor was given (a timestamped signature: recomputing it a second later differs).
    link = re.search(r'value="([^"]*/apercu/[^"]+)"', page.text).group(1)
    assert link.startswith("http://127.0.0.1:8000/apercu/")
    client.logout()

    path = link.removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 200
    assert "Un brouillon sur Douchanbé" in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"

    other = draft(slug="autre-brouillon")
    tampered = path.replace(f"/{article.pk}:", f"/{other.pk}:")
    assert tampered != path
    assert client.get(tampered).status_code == 404
    assert client.get(reverse("articles:share_preview", kwargs={"token": "n-importe-quoi"})).status_code == 404


@override_settings(PREVIEW_LINK_MAX_AGE=3600)
def test_share_link_expires(client):
    article = draft()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        url = reverse("articles:share_preview", kwargs={"token": share_token(article)})
        assert client.get(url).status_code == 200
        clock.shift(timedelta(minutes=59))
        assert client.get(url).status_code == 200
        clock.shift(timedelta(minutes=2))
        assert client.get(url).status_code == 404
