"""The direct's admin page: posting with and without JavaScript, moderation buttons, roles on crafted POSTs."""

import pytest
from django.urls import reverse

from articles.models import Article, LiveBlog, LiveEntry
from tests.articles.live_helpers import make_editor, make_journalist, make_live
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


def change_url(direct):
    return reverse("admin:articles_liveblog_change", args=[direct.pk])


def post_url(direct):
    return reverse("admin:articles_liveblog_post", args=[direct.pk])


def action_url(direct, entry, action):
    return reverse("admin:articles_liveblog_entry_action", args=[direct.pk, entry.pk, action])


def test_editor_opens_a_direct_from_the_admin(client):
    editor = make_editor()
    article = make_article()
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_liveblog_add"), {"article": article.pk, "summary": "<ul><li>Point</li></ul>"}
    )
    assert response.status_code == 302
    direct = LiveBlog.objects.get(article=article)
    assert direct.opened_by == editor and direct.is_live


def test_journalist_cannot_open_a_direct(client):
    client.force_login(make_journalist())
    response = client.post(reverse("admin:articles_liveblog_add"), {"article": make_article().pk})
    assert response.status_code == 403
    assert not LiveBlog.objects.exists()


def test_journalist_page_has_the_entry_form_but_no_moderation(client):
    direct = make_live()
    journalist = make_journalist()
    client.force_login(journalist)
    html = client.get(change_url(direct)).content.decode()
    assert "data-live-post" in html and "Publier l’entrée" in html
    assert "Terminer le direct" not in html
    assert 'src="/static/js/live-admin.js"' in html


def test_post_without_javascript_redirects_with_the_entry(client):
    direct = make_live()
    client.force_login(make_journalist())
    response = client.post(post_url(direct), {"body": "Les résultats tombent.", "client_token": "t1"})
    assert response.status_code == 302 and response["Location"].endswith("#entrees")
    # The same form posted twice (double click, retried request) makes one entry.
    client.post(post_url(direct), {"body": "Les résultats tombent.", "client_token": "t1"})
    assert list(direct.entries.values_list("body", flat=True)) == ["<p>Les résultats tombent.</p>"]


def test_post_with_fetch_answers_json_with_the_list(client):
    direct = make_live()
    client.force_login(make_journalist())
    response = client.post(post_url(direct), {"body": "Via fetch", "client_token": "t2"}, HTTP_X_REQUESTED_WITH="fetch")
    data = response.json()
    assert data["ok"] is True and "Via fetch" in data["entries_html"] and data["client_token"] != "t2"


def test_invalid_post_keeps_the_text_and_says_why_in_french(client):
    direct = make_live()
    client.force_login(make_journalist())
    response = client.post(post_url(direct), {"body": "", "title": "Titre gardé"})
    assert response.status_code == 400
    assert "Titre gardé" in response.content.decode()
    response = client.post(post_url(direct), {"body": "<p> </p>"}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 400 and "vide" in response.json()["errors"][0]
    assert not direct.entries.exists()


def test_anonymous_and_roleless_users_cannot_post(client):
    direct = make_live()
    response = client.post(post_url(direct), {"body": "Intrus"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(make_user())  # staff, no role
    assert client.post(post_url(direct), {"body": "Intrus"}).status_code == 403
    assert not direct.entries.exists()


def test_crafted_moderation_posts_by_a_journalist_change_nothing(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    client.force_login(editor)
    client.post(post_url(direct), {"body": "Texte"})
    entry = direct.entries.get()
    client.force_login(make_journalist())
    for action in ("epingler", "supprimer"):
        client.post(action_url(direct, entry, action))
    client.post(reverse("admin:articles_liveblog_edit_entry", args=[direct.pk, entry.pk]), {"body": "Piraté"})
    client.post(reverse("admin:articles_liveblog_state", args=[direct.pk, "terminer"]))
    entry.refresh_from_db()
    assert (entry.pinned, entry.deleted_at, entry.body) == (False, None, "<p>Texte</p>")
    assert LiveBlog.objects.get(pk=direct.pk).is_live


def test_editor_pins_edits_deletes_ends_and_promotes(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    client.force_login(editor)
    client.post(post_url(direct), {"body": "Un"})
    client.post(post_url(direct), {"body": "Deux"})
    one, two = direct.entries.order_by("id")
    client.post(action_url(direct, one, "epingler"))
    client.post(reverse("admin:articles_liveblog_edit_entry", args=[direct.pk, two.pk]), {"body": "Deux corrigé"})
    client.post(action_url(direct, two, "supprimer"))
    response = client.post(action_url(direct, one, "article"))
    promoted = Article.objects.get(status=Article.Status.DRAFT)
    assert response["Location"] == reverse("admin:articles_article_change", args=[promoted.pk])
    client.post(reverse("admin:articles_liveblog_state", args=[direct.pk, "terminer"]))
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.pinned and one.promoted_to == promoted
    assert two.body == "<p>Deux corrigé</p>" and two.edited_at and two.deleted_at
    assert not LiveBlog.objects.get(pk=direct.pk).is_live
    assert client.post(action_url(direct, one, "inconnue")).status_code == 302
    assert LiveEntry.objects.count() == 2


def test_afp_dispatch_added_from_the_wire_with_its_credit_once(client):
    from tests.factories import source

    editor = make_editor()
    direct = make_live(editor=editor)
    dispatch = make_article(headline="Les bureaux de vote ferment", source=source("afp"), wire_guid="urn:afp:1")
    client.force_login(editor)
    url = reverse("admin:articles_wiredispatch_changelist")
    choose = client.post(url, {"action": "add_to_live", "_selected_action": [dispatch.pk]})
    assert choose.status_code == 200 and "Élections au Kirghizistan" in choose.content.decode()
    apply = {"action": "add_to_live", "_selected_action": [dispatch.pk], "live": direct.pk, "apply": "1"}
    assert client.post(url, apply).status_code == 302
    entry = direct.entries.get()
    assert (entry.credit, entry.source_article, entry.title) == ("AFP", dispatch, "Les bureaux de vote ferment")
    response = client.post(url, apply, follow=True)
    assert "figure déjà dans le direct" in response.content.decode()
    assert direct.entries.count() == 1
    html = client.get(direct.article.get_absolute_url()).content.decode()
    assert '<span class="credit">AFP</span>' in html
