"""Every save keeps a revision; the admin lists them, diffs two, and restores one as a new revision."""

import pytest
from django.urls import reverse

from articles.models import Article
from articles.revisions import diff_html, readable_text, versions_of
from articles.roles import EDITOR, JOURNALIST
from tests.articles.helpers import change_url, post_change
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = make_user("editeur", groups=[EDITOR], first_name="Dana", last_name="Abenova")
    client.force_login(user)
    return user


def _article_with_three_saves(client):
    article = make_article(headline="Première version", body="<p>Le sommet a lieu à Almaty.</p>")
    post_change(client, article, headline="Deuxième version", body="<p>Le sommet a lieu à Astana.</p>")
    post_change(client, article, headline="Troisième version", standfirst="Un chapô tout neuf.")
    return Article.objects.get(pk=article.pk)


def test_every_admin_save_and_transition_keeps_a_revision(client, editor):
    article = _article_with_three_saves(client)
    versions = list(versions_of(article))
    assert len(versions) == 2  # the two admin saves (the factory does not create revisions)
    assert versions[0].revision.user == editor
    assert versions[0].field_dict["headline"] == "Troisième version"
    assert versions[0].revision.get_comment()  # the admin's change message

    article.unpublish(user=editor)
    latest = versions_of(article).first()
    assert latest.field_dict["status"] == Article.Status.UNPUBLISHED
    assert latest.revision.user == editor and "Dépublié" in latest.revision.get_comment()


def test_versions_page_and_readable_diff(client, editor):
    article = _article_with_three_saves(client)
    response = client.get(reverse("admin:articles_article_versions", args=[article.pk]))
    assert response.status_code == 200
    assert "Dana Abenova" in response.text

    newer, older = versions_of(article)
    response = client.get(reverse("admin:articles_article_compare", args=[article.pk]), {"a": older.pk, "b": newer.pk})
    assert response.status_code == 200
    html = response.text
    assert "<del>Deuxième</del><ins>Troisième</ins>" in html
    assert "<ins>Un chapô tout neuf.</ins>" in html
    assert "inchangé" in html  # the body did not change between those two


def test_diff_shows_words_not_markup():
    old = readable_text("<h2>Intertitre</h2><p>Le sommet a lieu à <strong>Almaty</strong>.</p>")
    new = readable_text("<h2>Intertitre</h2><p>Le sommet a lieu à <strong>Astana</strong>.</p>")
    assert old == "Intertitre\nLe sommet a lieu à Almaty."
    assert str(diff_html(old, new)) == "Intertitre<br>Le sommet a lieu à <del>Almaty.</del><ins>Astana.</ins>"


def test_diff_escapes_text():
    assert "&lt;script&gt;" in diff_html("", "<script>alert(1)</script>")


def test_restore_brings_back_old_text_as_a_new_revision(client, editor, django_capture_on_commit_callbacks):
    article = _article_with_three_saves(client)
    _newer, older = versions_of(article)
    url = reverse("admin:articles_article_restore", args=[article.pk, older.pk])
    assert client.get(url).status_code == 302  # GET never restores
    assert Article.objects.get(pk=article.pk).headline == "Troisième version"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    restored = Article.objects.get(pk=article.pk)
    assert restored.headline == "Deuxième version"
    assert restored.body == "<p>Le sommet a lieu à Astana.</p>"
    assert restored.slug == article.slug and restored.status == article.status
    assert restored.edit_version == article.edit_version + 1

    versions = list(versions_of(article))
    assert len(versions) == 3
    assert versions[0].field_dict["headline"] == "Deuxième version"
    assert "restaurée" in versions[0].revision.get_comment()
    assert versions[0].revision.user == editor
    # The public page shows the restored text at once (the restore purged the cache).
    assert "Deuxième version" in client.get(restored.get_absolute_url()).text


def test_journalist_cannot_restore_a_submitted_article(client, editor):
    journalist = make_user(groups=[JOURNALIST])
    article = make_article(status=Article.Status.DRAFT, publish_at=None, created_by=journalist)
    post_change(client, article, headline="Revu par l’éditrice")
    post_change(client, article, headline="Revu deux fois")
    article.submit(user=journalist)
    older = versions_of(article).last()
    client.force_login(journalist)
    response = client.post(reverse("admin:articles_article_restore", args=[article.pk, older.pk]))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).headline == "Revu deux fois"


def test_change_form_links_to_versions(client, editor):
    article = make_article()
    assert reverse("admin:articles_article_versions", args=[article.pk]) in client.get(change_url(article)).text
