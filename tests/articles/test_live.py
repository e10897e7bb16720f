"""Live coverage: posting rules, moderation traces, the public page, polling, JSON-LD, feed, purges."""

import json
import threading

import feedparser
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import live, live_cache
from articles.models import Article, LiveBlog, LiveEntry
from tests.articles.live_helpers import make_editor, make_journalist, make_live
from tests.factories import make_article, make_section, make_user

pytestmark = pytest.mark.django_db


def poll_url(live_blog):
    return reverse("articles:live_poll", kwargs={"pk": live_blog.pk})


# --- Roles -----------------------------------------------------------------------------------


def test_journalist_posts_but_may_not_open_pin_edit_delete_or_end():
    journalist = make_journalist()
    with pytest.raises(PermissionDenied):
        live.open_live(article=make_article(), user=journalist)
    direct = make_live()
    entry = live.post_entry(live=direct, user=journalist, body="Les bureaux de vote ouvrent à Bichkek.")
    assert entry.author.user == journalist
    for flow in (
        lambda: live.pin_entry(entry=entry, user=journalist),
        lambda: live.edit_entry(entry=entry, user=journalist, body="Autre texte"),
        lambda: live.delete_entry(entry=entry, user=journalist),
        lambda: live.end_live(live=direct, user=journalist),
        lambda: live.update_summary(live=direct, user=journalist, summary="<ul><li>x</li></ul>"),
    ):
        with pytest.raises(PermissionDenied):
            flow()
    assert LiveEntry.objects.get(pk=entry.pk).revision == 1


def test_user_without_role_cannot_post():
    direct = make_live()
    with pytest.raises(PermissionDenied):
        live.post_entry(live=direct, user=make_user(), body="Texte")
    assert not direct.entries.exists()


def test_nobody_posts_on_an_ended_direct():
    editor = make_editor()
    direct = make_live(editor=editor)
    live.end_live(live=direct, user=editor)
    with pytest.raises(ValidationError, match="terminé"):
        live.post_entry(live=direct, user=make_journalist(), body="Trop tard")
    with pytest.raises(ValidationError):
        live.end_live(live=direct, user=editor)
    live.reopen_live(live=direct, user=editor)
    assert live.post_entry(live=direct, user=editor, body="Reprise du direct").pk


# --- Input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "   ", "<p> </p>", "<script>alert(1)</script>"])
def test_empty_or_hostile_only_entry_is_refused(body):
    direct = make_live()
    with pytest.raises(ValidationError):
        live.post_entry(live=direct, user=make_journalist(), body=body)
    assert not direct.entries.exists()


def test_entry_html_is_sanitised_and_plain_text_becomes_paragraphs():
    direct = make_live()
    journalist = make_journalist()
    hostile = live.post_entry(
        live=direct, user=journalist, body='<p onclick="x()">Vote <script>alert(1)</script><b>clos</b></p>'
    )
    assert hostile.body == "<p>Vote <b>clos</b></p>"
    plain = live.post_entry(live=direct, user=journalist, body="Premier point.\n\nSecond point <b>")
    assert plain.body == "<p>Premier point.</p>\n\n<p>Second point &lt;b&gt;</p>"


def test_huge_entry_is_refused(settings):
    settings.LIVE_ENTRY_MAX_CHARS = 100
    with pytest.raises(ValidationError, match="trop longue"):
        live.post_entry(live=make_live(), user=make_journalist(), body="x" * 200)


def test_same_client_token_posts_once():
    direct = make_live()
    journalist = make_journalist()
    first = live.post_entry(live=direct, user=journalist, body="Une fois", client_token="abc")
    again = live.post_entry(live=direct, user=journalist, body="Une fois", client_token="abc")
    assert again.pk == first.pk
    assert direct.entries.count() == 1


# --- Concurrency -----------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
# serialized_rollback: the flush after a transactional test would otherwise drop the reference rows.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_journalists_posting_at_once_keep_every_entry():
    direct = make_live()
    journalists = [make_journalist(), make_journalist()]
    per_writer = 15
    errors = []
    start = threading.Barrier(len(journalists))

    def write(user):
        try:
            start.wait()
            for n in range(per_writer):
                live.post_entry(live=direct, user=user, body=f"Entrée {n} de {user.username}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(user,)) for user in journalists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert LiveEntry.objects.filter(live=direct).count() == 2 * per_writer
    for user in journalists:
        assert LiveEntry.objects.filter(live=direct, created_by=user).count() == per_writer
    # Every post bumped the version once: no lost update of the counter either.
    assert LiveBlog.objects.get(pk=direct.pk).version == 1 + 2 * per_writer


# --- Moderation traces and the public page ------------------------------------------------------


def test_page_shows_pinned_on_top_corrected_and_deleted_traces(client, django_capture_on_commit_callbacks):
    editor = make_editor()
    journalist = make_journalist(name="Aïgoul Moukanova")
    direct = make_live(editor=editor, summary="<ul><li>Participation de 34 %</li></ul>")
    first = live.post_entry(live=direct, user=journalist, body="Ouverture des bureaux.", title="8 h")
    corrected = live.post_entry(live=direct, user=journalist, body="Participation de 43 %.")
    deleted = live.post_entry(live=direct, user=journalist, body="Rumeur non vérifiée.")
    latest = live.post_entry(live=direct, user=journalist, body="Fermeture des bureaux.")
    live.pin_entry(entry=first, user=editor)
    live.edit_entry(entry=corrected, user=editor, body="Participation de 34 %.")
    with django_capture_on_commit_callbacks(execute=True):
        live.delete_entry(entry=deleted, user=editor)

    html = client.get(direct.article.get_absolute_url()).content.decode()
    assert "L’essentiel" in html and "Participation de 34 %" in html
    # The pinned entry comes first (right under the summary), then the others newest first.
    order = [html.index(f'id="entree-{e.pk}"') for e in (first, latest, deleted, corrected)]
    assert order == sorted(order)
    assert html.count(f'id="entree-{first.pk}"') == 1
    assert "Épinglé" in html
    assert "Participation de 43 %" not in html
    assert "Entrée modifiée à" in html
    assert "Rumeur non vérifiée" not in html and "Entrée supprimée à" in html
    assert "Aïgoul Moukanova" in html
    assert f'href="#entree-{latest.pk}"' in html  # each entry links to its own anchor
    assert 'src="/static/js/live.js"' in html
    section = html[html.index('<section class="live"') : html.index("</section>", html.index('<section class="live"'))]
    assert "style=" not in section and "<style" not in section
    scripts = html.split("<script")[1:]
    assert scripts and all(s.startswith((' src="', ' type="application/ld+json"')) for s in scripts)


def test_second_pin_replaces_the_first():
    editor = make_editor()
    direct = make_live(editor=editor)
    a = live.post_entry(live=direct, user=editor, body="A")
    b = live.post_entry(live=direct, user=editor, body="B")
    live.pin_entry(entry=a, user=editor)
    live.pin_entry(entry=b, user=editor)
    assert list(direct.entries.filter(pinned=True)) == [b]


def test_ended_direct_reads_as_an_archived_article(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    live.post_entry(live=direct, user=editor, body="Dernière entrée.")
    live.end_live(live=direct, user=editor)
    html = client.get(direct.article.get_absolute_url()).content.decode()
    assert "Ce direct est terminé" in html
    assert "Dernière entrée." in html
    assert "live.js" not in html and "data-live-poll" not in html


def test_page_query_count_does_not_grow_with_entries(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    url = direct.article.get_absolute_url()

    def count():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    live.post_entry(live=direct, user=make_journalist(), body="Une")
    few = count()
    for n in range(12):
        live.post_entry(live=direct, user=make_journalist(), body=f"Entrée {n}")
    assert count() == few


# --- Polling endpoint ------------------------------------------------------------------------


def test_poll_answers_304_until_a_post_then_the_new_entry(client, django_capture_on_commit_callbacks):
    editor = make_editor()
    direct = make_live(editor=editor)
    live.post_entry(live=direct, user=editor, body="Première")
    first = client.get(poll_url(direct))
    assert first.status_code == 200
    etag = first["ETag"]
    assert "public" in first["Cache-Control"]
    assert [e["html"].count("Première") for e in first.json()["entries"]] == [1]

    again = client.get(poll_url(direct), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    journalist = make_journalist()
    with django_capture_on_commit_callbacks(execute=True):
        entry = live.post_entry(live=direct, user=journalist, body="Deuxième")
    after = client.get(poll_url(direct), HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert after.json()["entries"][0]["id"] == entry.pk
    assert "Deuxième" in after.json()["entries"][0]["html"]


def test_polls_build_the_payload_once_and_hit_no_database(client, django_capture_on_commit_callbacks):
    editor = make_editor()
    direct = make_live(editor=editor)
    live.post_entry(live=direct, user=editor, body="Une entrée")
    client.get(poll_url(direct))
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(50):
            assert client.get(poll_url(direct)).status_code == 200
    assert len(ctx) == 0
    from django.core.cache import cache

    builds_before = cache.get(live_cache.builds_key(direct.pk))
    with django_capture_on_commit_callbacks(execute=True):
        live.post_entry(live=direct, user=editor, body="Une autre")
    for _ in range(50):
        client.get(poll_url(direct))
    assert cache.get(live_cache.builds_key(direct.pk)) == builds_before + 1


def test_poll_of_unknown_or_unpublished_direct_is_404(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    assert client.get(reverse("articles:live_poll", kwargs={"pk": direct.pk + 999})).status_code == 404
    direct.article.unpublish(user=editor)
    assert client.get(poll_url(direct)).status_code == 404
    assert client.post(poll_url(direct)).status_code == 405


def test_posting_refreshes_only_this_direct_pages(client, django_capture_on_commit_callbacks):
    editor = make_editor()
    direct = make_live(editor=editor)
    # Another section and no tag: its page does not list the direct among related stories.
    other = make_article(headline="Autre sujet", section=make_section())
    client.get(other.get_absolute_url())
    client.get(direct.article.get_absolute_url())
    client.get(reverse("articles:home"))
    Article.objects.filter(pk=other.pk).update(headline="Titre changé en base")
    with django_capture_on_commit_callbacks(execute=True):
        live.post_entry(live=direct, user=editor, body="Entrée fraîche")
    assert "Entrée fraîche" in client.get(direct.article.get_absolute_url()).content.decode()
    home = client.get(reverse("articles:home")).content.decode()
    assert "En direct" in home and "Dernière entrée à" in home
    # The other story's page was not purged: it still shows the cached headline.
    assert "Autre sujet" in client.get(other.get_absolute_url()).content.decode()


# --- Structured data and feed ----------------------------------------------------------------


def _jsonld(html):
    """The page's LiveBlogPosting block (the page also has its BreadcrumbList)."""
    tag = '<script type="application/ld+json">'
    blocks = [json.loads(chunk.split("</script>", 1)[0]) for chunk in html.split(tag)[1:]]
    (posting,) = [block for block in blocks if block.get("@type") == "LiveBlogPosting"]
    assert not [block for block in blocks if block.get("@type") == "NewsArticle"]
    return posting


def test_liveblogposting_jsonld(client, django_capture_on_commit_callbacks):
    editor = make_editor()
    direct = make_live(editor=editor)
    a = live.post_entry(live=direct, user=editor, body="Premier résultat </script><b>x</b>", title="Résultats")
    gone = live.post_entry(live=direct, user=editor, body="Erreur")
    live.delete_entry(entry=gone, user=editor)
    data = _jsonld(client.get(direct.article.get_absolute_url()).content.decode())
    assert data["@type"] == "LiveBlogPosting"
    # Built on the page's NewsArticle: same headline, publisher, canonical URL.
    assert data["headline"] == direct.article.headline and data["publisher"]["@type"] == "NewsMediaOrganization"
    assert data["url"].endswith(direct.article.get_absolute_url())
    assert data["coverageStartTime"].startswith(str(direct.started_at.year))
    assert "coverageEndTime" not in data
    assert [u["@type"] for u in data["liveBlogUpdate"]] == ["BlogPosting"]
    update = data["liveBlogUpdate"][0]
    assert update["headline"] == "Résultats" and update["url"].endswith(f"#entree-{a.pk}")
    assert "x" in update["articleBody"]

    with django_capture_on_commit_callbacks(execute=True):
        live.end_live(live=direct, user=editor)
    ended = _jsonld(client.get(direct.article.get_absolute_url()).content.decode())
    assert ended["coverageEndTime"] >= ended["coverageStartTime"]


def test_atom_feed_lists_entries(client):
    editor = make_editor()
    direct = make_live(editor=editor)
    live.post_entry(live=direct, user=editor, body="Première", title="Un")
    live.post_entry(live=direct, user=editor, body="Seconde", title="Deux")
    article = direct.article
    url = reverse("articles:live_feed", kwargs={"section": article.section.slug, "slug": article.slug})
    response = client.get(url)
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert [e.title for e in feed.entries] == ["Deux", "Un"]
    assert feed.entries[0].link.endswith("#entree-" + str(direct.entries.first().pk))
    assert client.get(url.replace(article.slug, "inconnu")).status_code == 404


# --- Promote ---------------------------------------------------------------------------------


def test_promote_entry_makes_a_linked_draft():
    editor = make_editor()
    journalist = make_journalist()
    direct = make_live(editor=editor)
    entry = live.post_entry(live=direct, user=journalist, body="<p>La commission annonce un second tour.</p>")
    article = live.promote_entry(entry=entry, user=editor)
    assert article.status == Article.Status.DRAFT
    assert article.headline == "La commission annonce un second tour."
    assert entry.get_absolute_url() in article.body
    assert list(article.authors.all()) == [entry.author]
    assert LiveEntry.objects.get(pk=entry.pk).promoted_to == article
    with pytest.raises(ValidationError):
        live.promote_entry(entry=LiveEntry.objects.get(pk=entry.pk), user=editor)


def test_entry_timestamps_reach_the_script_as_numbers_with_a_dot(client):
    """data-ts was rendered in French (« 1764633600,123456 »): parseFloat() stopped at the comma, two
    entries of the same second tied, and the reader's page showed them oldest first (found by the
    live e2e test failing one run in four)."""
    import re

    direct = make_live()
    editor = direct.opened_by
    for body in ("Première.", "Seconde."):
        live.post_entry(live=direct, user=editor, body=body)
    page = client.get(direct.article.get_absolute_url()).text
    stamps = re.findall(r'data-ts="([^"]*)"', page)
    assert len(stamps) == 2
    for stamp in stamps:
        assert re.fullmatch(r"\d+(\.\d+)?", stamp), stamp
    entries = LiveEntry.objects.filter(live=direct).order_by("posted_at")
    assert [float(s) for s in stamps] == sorted((e.posted_at.timestamp() for e in entries), reverse=True)
