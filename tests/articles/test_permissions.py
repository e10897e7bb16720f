"""The permission matrix, role × action, through the admin's own HTTP endpoints.

Every action is attempted by each role with a logged-in client, the way the buttons post, and
also as crafted POSTs the buttons would never send; the database says whether it took effect.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction, Section, Source, Transition
from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST
from tests.articles.helpers import change_url, form_data, post_change
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

Status = Article.Status
ROLES = {"journaliste": JOURNALIST, "editeur": EDITOR, "chef": CHIEF_EDITOR}


class Ctx:
    def __init__(self, client, role):
        self.client = client
        self.user = make_user(f"{role}-1", groups=[ROLES[role]])
        self.colleague = make_user("autre-journaliste", groups=[JOURNALIST])
        client.force_login(self.user)

    def article(self, *, owner=None, status=Status.DRAFT, **overrides):
        published = status == Status.PUBLISHED
        return make_article(
            created_by=owner or self.user,
            status=status,
            publish_at=timezone.now() - timedelta(hours=1) if published else None,
            **overrides,
        )


def stored(article):
    return Article.objects.get(pk=article.pk)


# Each action returns True when it took effect.


def create_article(ctx):
    data = form_data(ctx.article(), headline="Un article tout neuf", slug="un-article-tout-neuf")
    del data["edit_version"]
    ctx.client.post(reverse("admin:articles_article_add"), data)
    return Article.objects.filter(slug="un-article-tout-neuf").exists()


def edit_own_draft(ctx):
    article = ctx.article()
    post_change(ctx.client, article, headline="Titre modifié")
    return stored(article).headline == "Titre modifié"


def edit_own_submitted(ctx):
    article = ctx.article(status=Status.SUBMITTED)
    post_change(ctx.client, article, headline="Titre modifié")
    return stored(article).headline == "Titre modifié"


def edit_others_draft(ctx):
    article = ctx.article(owner=ctx.colleague)
    post_change(ctx.client, article, headline="Titre modifié")
    return stored(article).headline == "Titre modifié"


def edit_published(ctx):
    article = ctx.article(status=Status.PUBLISHED)
    post_change(ctx.client, article, headline="Titre modifié")
    return stored(article).headline == "Titre modifié"


def view_others_article(ctx):
    article = ctx.article(owner=ctx.colleague)
    return ctx.client.get(change_url(article)).status_code == 200


def submit_own_draft(ctx):
    article = ctx.article()
    post_change(ctx.client, article, _transition="submit")
    return stored(article).status == Status.SUBMITTED


def publish_own_draft(ctx):
    article = ctx.article()
    post_change(ctx.client, article, _transition="publish")
    return stored(article).status == Status.PUBLISHED


def publish_others_submitted(ctx):
    article = ctx.article(owner=ctx.colleague, status=Status.SUBMITTED)
    post_change(ctx.client, article, _transition="publish")
    return stored(article).status == Status.PUBLISHED


def schedule_own_draft(ctx):
    article = ctx.article()
    at = timezone.localtime() + timedelta(days=2)
    post_change(
        ctx.client,
        article,
        _transition="schedule",
        publish_at_0=at.strftime("%d/%m/%Y"),
        publish_at_1=at.strftime("%H:%M:%S"),
    )
    return stored(article).is_scheduled


def return_submitted(ctx):
    article = ctx.article(owner=ctx.colleague, status=Status.SUBMITTED)
    post_change(ctx.client, article, _transition="return_to_draft", _transition_comment="À revoir.")
    return stored(article).status == Status.DRAFT


def unpublish(ctx):
    article = ctx.article(status=Status.PUBLISHED)
    post_change(ctx.client, article, _transition="unpublish")
    return stored(article).status == Status.UNPUBLISHED


def correct(ctx):
    article = ctx.article(status=Status.PUBLISHED)
    ctx.client.post(
        reverse("admin:articles_article_correct", args=[article.pk]), {"wrong": "Almaty", "right": "Astana"}
    )
    return Correction.objects.filter(article=article).exists()


def crafted_status_field(ctx):
    """A status posted with the form is not a field of it: only transitions move an article."""
    article = ctx.article()
    post_change(ctx.client, article, status=Status.PUBLISHED, headline="Titre modifié")
    return stored(article).status == Status.PUBLISHED


def crafted_publish_time(ctx):
    """Only editors have the publish time in their form."""
    article = ctx.article()
    at = timezone.localtime() + timedelta(days=3)
    post_change(ctx.client, article, publish_at_0=at.strftime("%d/%m/%Y"), publish_at_1=at.strftime("%H:%M:%S"))
    return stored(article).publish_at is not None


def bulk_publish(ctx):
    article = ctx.article()
    ctx.client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    return stored(article).status == Status.PUBLISHED


def bulk_unpublish(ctx):
    article = ctx.article(status=Status.PUBLISHED)
    ctx.client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "unpublish_selected", "_selected_action": [article.pk]},
    )
    return stored(article).status == Status.UNPUBLISHED


def bulk_delete(ctx):
    article = ctx.article()
    ctx.client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
    )
    return not Article.objects.filter(pk=article.pk).exists()


def add_section(ctx):
    ctx.client.post(
        reverse("admin:articles_section_add"), {"name": "Mongolie", "slug": "mongolie", "order": 90, "on_home": "on"}
    )
    return Section.objects.filter(slug="mongolie").exists()


def add_source(ctx):
    ctx.client.post(reverse("admin:articles_source_add"), {"name": "Reuters", "slug": "reuters", "is_agency": "on"})
    return Source.objects.filter(slug="reuters").exists()


def manage_users(ctx):
    return ctx.client.get(reverse("admin:auth_user_changelist")).status_code == 200


def manage_newsletters(ctx):
    from django.contrib import admin

    models = [m for m in admin.site._registry if m._meta.app_label == "newsletter"]
    assert models, "the newsletter models are in the admin"
    return all(
        ctx.client.get(reverse(f"admin:newsletter_{m._meta.model_name}_changelist")).status_code == 200 for m in models
    )


#                                   journaliste  editeur  chef
MATRIX = {
    create_article: (True, True, True),
    edit_own_draft: (True, True, True),
    edit_own_submitted: (False, True, True),
    edit_others_draft: (False, True, True),
    edit_published: (False, True, True),
    view_others_article: (False, True, True),
    submit_own_draft: (True, True, True),
    publish_own_draft: (False, True, True),
    publish_others_submitted: (False, True, True),
    schedule_own_draft: (False, True, True),
    return_submitted: (False, True, True),
    unpublish: (False, True, True),
    correct: (False, True, True),
    crafted_status_field: (False, False, False),
    crafted_publish_time: (False, True, True),
    bulk_publish: (False, True, True),
    bulk_unpublish: (False, True, True),
    bulk_delete: (False, False, True),
    add_section: (False, False, True),
    add_source: (False, False, True),
    manage_users: (False, False, True),
    manage_newsletters: (False, False, True),
}

CASES = [
    pytest.param(action, role, expected[i], id=f"{action.__name__}-{role}")
    for action, expected in MATRIX.items()
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
def test_permission_matrix(client, action, role, expected):
    assert action(Ctx(client, role)) is expected


@pytest.mark.parametrize("action", [publish_own_draft, schedule_own_draft, submit_own_draft])
def test_refused_transition_leaves_no_audit_row(client, action):
    ctx = Ctx(client, "journaliste")
    if action is submit_own_draft:
        ctx.user.groups.clear()
        ctx.user.groups.add(*make_user(groups=[JOURNALIST]).groups.all())
    before = Transition.objects.count()
    took_effect = action(ctx)
    assert took_effect == (action is submit_own_draft)
    assert Transition.objects.count() == before + (1 if took_effect else 0)


def test_journalist_sees_only_own_articles_in_the_list(client):
    ctx = Ctx(client, "journaliste")
    mine = ctx.article(headline="Mon papier sur Almaty")
    ctx.article(owner=ctx.colleague, headline="Le papier d’un collègue")
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 200
    assert mine.headline in response.text
    assert "Le papier d’un collègue" not in response.text
    assert "Mes articles" in response.text


def test_journalist_form_offers_no_publishing_fields_or_buttons(client):
    ctx = Ctx(client, "journaliste")
    response = client.get(change_url(ctx.article()))
    html = response.text
    assert 'name="publish_at_0"' not in html
    assert 'name="status"' not in html
    assert 'value="submit"' in html
    for forbidden in ("publish", "schedule", "unpublish", "return_to_draft"):
        assert f'name="_transition" value="{forbidden}"' not in html


def test_editor_sees_the_buttons_their_role_allows(client):
    ctx = Ctx(client, "editeur")
    html = client.get(change_url(ctx.article(owner=ctx.colleague, status=Status.SUBMITTED))).text
    assert "Publier" in html and "Programmer" in html and "Renvoyer au rédacteur" in html
    html = client.get(change_url(ctx.article(status=Status.PUBLISHED))).text
    assert 'value="unpublish"' in html and "Corriger" in html


def test_non_staff_cannot_reach_the_admin(client):
    user = make_user(is_staff=False)
    client.force_login(user)
    article = make_article(status=Status.DRAFT, publish_at=None)
    response = post_change(client, article, _transition="publish")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert stored(article).status == Status.DRAFT
