"""Destructive or hostile admin input (#10): nothing changes meaning silently, nothing answers 500."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from articles.models import Article, Author, Correction
from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST
from tests.articles.helpers import form_data
from tests.factories import make_article, make_author, make_user, source

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def chief_client(client):
    client.force_login(make_user("chef", groups=[CHIEF_EDITOR]))
    return client


def test_deleting_a_credited_author_is_refused_and_keeps_the_byline(chief_client):
    author = make_author(name="Aïgerim Nurlanovna")
    article = make_article(authors=[author])
    url = reverse("admin:articles_author_delete", args=[author.pk])
    page = chief_client.get(url)
    assert "retirez d’abord l’auteur de la signature" in page.text
    chief_client.post(url, {"post": "yes"})
    assert Author.objects.filter(pk=author.pk).exists()
    assert list(article.authors.all()) == [author]


def test_an_uncredited_author_can_be_deleted(chief_client):
    author = make_author()
    chief_client.post(reverse("admin:articles_author_delete", args=[author.pk]), {"post": "yes"})
    assert not Author.objects.filter(pk=author.pk).exists()


def test_deleting_a_dispatch_or_a_published_story_is_refused(chief_client):
    dispatch = make_article(source=source("afp"), wire_guid="urn:test:1")
    Correction.objects.create(article=dispatch, wrong="x", right="y")
    published = make_article()
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    for article in (dispatch, published):
        page = chief_client.post(reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"})
        assert "dépubliez-le plutôt" in page.text
    chief_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [dispatch.pk, published.pk, draft.pk], "post": "yes"},
    )
    assert set(Article.objects.values_list("pk", flat=True)) == {dispatch.pk, published.pk, draft.pk}
    assert Correction.objects.filter(article=dispatch).exists()
    # A draft nobody has read can go.
    chief_client.post(reverse("admin:articles_article_delete", args=[draft.pk]), {"post": "yes"})
    assert not Article.objects.filter(pk=draft.pk).exists()


def test_journalist_cannot_credit_a_story_to_the_agency(client):
    journalist = make_user(groups=[JOURNALIST])
    client.force_login(journalist)
    article = make_article(status=Article.Status.DRAFT, publish_at=None, created_by=journalist)
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        form_data(article, source=source("afp").pk, credit_line="AFP"),
    )
    assert response.status_code == 200 and "source" in response.context["adminform"].form.errors
    article.refresh_from_db()
    assert article.source == source("redaction") and article.credit_line == ""
    # Nor by typing the credit: the field is not in a journalist's form.
    client.post(reverse("admin:articles_article_change", args=[article.pk]), form_data(article, credit_line="AFP"))
    article.refresh_from_db()
    assert article.credit_line == "" and not Article.objects.filter(source__is_agency=True).exists()


def test_a_tag_longer_than_100_characters_is_a_form_error(client):
    client.force_login(make_user(groups=[EDITOR]))
    article = make_article()
    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]), form_data(article, tags="x" * 101)
    )
    assert response.status_code == 200
    assert "100 caractères" in str(response.context["adminform"].form.errors["tags"])


@pytest.mark.parametrize(
    "params",
    [
        {"term": "\x00", "app_label": "articles", "model_name": "article", "field_name": "based_on"},
        {"term": "a\x00b", "app_label": "articles", "model_name": "article", "field_name": "authors"},
        {"term": "\x00", "app_label": "articles", "model_name": "author", "field_name": "user"},
    ],
)
def test_nul_in_the_autocomplete_is_no_500(client, params):
    client.force_login(make_user(groups=[CHIEF_EDITOR]))
    response = client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    if params["term"] != "\x00":
        assert response.json()["results"] == []


def test_nul_in_the_changelist_search_is_no_500(client):
    client.force_login(make_user(groups=[EDITOR]))
    assert client.get(reverse("admin:articles_article_changelist"), {"q": "\x00"}).status_code == 200


def test_chief_editor_cannot_grant_superuser_permissions_or_foreign_groups(chief_client):
    reporter = make_user("reporter", groups=[JOURNALIST])
    admins = Group.objects.create(name="Administrateurs")
    admins.permissions.add(*Permission.objects.all())
    url = reverse("admin:auth_user_change", args=[reporter.pk])
    page = chief_client.get(url)
    assert 'name="is_superuser"' not in page.text and 'name="user_permissions"' not in page.text
    data = {
        "username": "reporter",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [admins.pk],
        "user_permissions": [1, 2, 3],
        "date_joined_0": "01/12/2026",
        "date_joined_1": "10:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    response = chief_client.post(url, data)
    assert response.status_code == 200  # the foreign group is not a valid choice
    reporter.refresh_from_db()
    assert not reporter.is_superuser and not reporter.user_permissions.exists()
    assert list(reporter.groups.values_list("name", flat=True)) == [JOURNALIST]
    # Granting a role they hold themselves works.
    data.update(groups=[Group.objects.get(name=EDITOR).pk])
    assert chief_client.post(url, data).status_code == 302
    reporter.refresh_from_db()
    assert not reporter.is_superuser and list(reporter.groups.values_list("name", flat=True)) == [EDITOR]


def test_chief_editor_cannot_touch_a_superuser_account(chief_client):
    root = User.objects.create_superuser("root", "root@example.org", "motdepasse-test")
    assert chief_client.get(reverse("admin:auth_user_password_change", args=[root.pk])).status_code in (403, 404)
    page = chief_client.get(reverse("admin:auth_user_change", args=[root.pk]))
    assert page.status_code == 200 and 'name="username"' not in page.text  # view only
