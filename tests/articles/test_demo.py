"""load_demo: the founding seeds byte for byte, idempotence, accounts; generate_articles."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from articles import demo
from articles.demo import desk as desk_demo
from articles.models import Article, Author, Correction

pytestmark = pytest.mark.django_db

AFP_SLUG = demo.AFP_STORY["slug"]
INHOUSE_SLUG = demo.INHOUSE_STORY["slug"]


def load(**options):
    out = StringIO()
    call_command("load_demo", stdout=out, no_renditions=True, **options)
    return out.getvalue()


def html_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def seed_lines(name):
    return [line for line in (demo.BUNDLED_SEEDS / name).read_text(encoding="utf-8").split("\n") if line.strip()]


def test_bundled_seeds_are_the_shared_seeds_byte_for_byte():
    shared = demo.shared_seeds_dir()
    if not shared.is_dir():
        pytest.skip("no ../shared/seeds next to this checkout")
    for name in (demo.AFP_SEED, demo.INHOUSE_SEED):
        assert (demo.BUNDLED_SEEDS / name).read_bytes() == (shared / name).read_bytes()


def test_afp_dispatch_round_trip():
    load()
    dispatch = Article.objects.get(slug=AFP_SLUG)
    assert dispatch.headline == "Emmanuel Macron attendu début novembre au Kazakhstan"
    assert dispatch.source.slug == "afp" and dispatch.credit == "AFP"
    assert dispatch.section.slug == "kazakhstan" and dispatch.dateline == "Astana"
    assert dispatch.is_published
    lines = seed_lines(demo.AFP_SEED)
    assert lines[-1] == "AFP"
    assert re.findall(r"<h2>(.*?)</h2>", dispatch.body) == [
        "Rapprochement avec l’Union européenne",
        "Un président qui a réprimé violemment des émeutes",
    ]
    for line in lines[:-1]:
        assert html_text(line) in dispatch.body
    assert not dispatch.body.rstrip().endswith("AFP</p>")
    assert len(re.findall(r"<p>", dispatch.body)) == len(lines) - 1 - 2


def test_inhouse_story_round_trip():
    load()
    story = Article.objects.get(slug=INHOUSE_SLUG)
    lines = seed_lines(demo.INHOUSE_SEED)
    assert story.headline == lines[0] == "La France au cœur de la stratégie kazakhe"
    assert sorted(tag.name for tag in story.tags.all()) == sorted(
        ["France", "Kazakhstan", "coopération", "visite", "Emmanuel Macron"]
    )
    assert story.standfirst == lines[2]
    assert story.based_on == Article.objects.get(slug=AFP_SLUG)
    assert story.source.slug == "redaction" and story.credit == "avec AFP"
    assert [author.name for author in story.authors.all()] == ["Aïgerim Nurlanovna"]
    for line in lines[3:-2]:
        assert html_text(line) in story.body
    assert "s’est \u00a0déclarée" in story.body  # the seed's space + non-breaking space, kept
    assert re.findall(r"<h2>(.*?)</h2>", story.body) == [
        "L’Europe et l’Asie, une intersection franco-kazakhe",
        "Des enjeux économiques et stratégiques au cœur de la coopération",
    ]
    assert "Newsletter" not in story.body and "Pour rester informé" not in story.body


def test_inhouse_page_shows_attribution_and_tags(client):
    load()
    story = Article.objects.get(slug=INHOUSE_SLUG)
    html = client.get(story.get_absolute_url()).text
    assert "Par <a" in html and "Aïgerim Nurlanovna</a>, " in html
    assert f'<a class="credit" href="/kazakhstan/{AFP_SLUG}/">avec AFP</a>' in html
    assert "s’est \u00a0déclarée" in html
    for tag in ("France", "Kazakhstan", "coopération", "visite", "Emmanuel Macron"):
        assert f">{tag}</a>" in html


@override_settings(DEBUG=True)
def test_load_demo_is_idempotent():
    load()
    user_model = get_user_model()
    before = {
        "articles": dict(Article.objects.values_list("slug", "modified_at")),
        "tags": sorted(Article.tags.through.objects.values_list("object_id", "tag_id")),
        "authors": Author.objects.count(),
        "users": list(user_model.objects.values_list("username", "password")),
        "corrections": Correction.objects.count(),
    }
    # The ten published demo stories, the running direct, and the desk's returned draft and draft in review.
    assert len(before["articles"]) == 13
    assert Article.objects.published().count() == 11
    assert len(before["users"]) == 3
    output = load()
    after = {
        "articles": dict(Article.objects.values_list("slug", "modified_at")),
        "tags": sorted(Article.tags.through.objects.values_list("object_id", "tag_id")),
        "authors": Author.objects.count(),
        "users": list(user_model.objects.values_list("username", "password")),
        "corrections": Correction.objects.count(),
    }
    assert after == before
    assert "0 créés ou modifiés" in output


@override_settings(DEBUG=True)
def test_demo_accounts_and_groups():
    output = load()
    users = get_user_model().objects.in_bulk(["journaliste", "editeur", "redacteur-en-chef"], field_name="username")
    assert set(users) == {"journaliste", "editeur", "redacteur-en-chef"}
    assert all(user.is_staff for user in users.values())
    assert users["journaliste"].check_password("journaliste-demo")
    assert "journaliste / journaliste-demo" in output
    assert users["journaliste"].author.slug == "aigerim-nurlanovna"
    for username, group in [("journaliste", "Journaliste"), ("editeur", "Éditeur")]:
        if users[username].groups.model.objects.filter(name=group).exists():
            assert users[username].groups.filter(name=group).exists()


@override_settings(DEBUG=False)
def test_no_accounts_without_debug_unless_forced():
    load()
    assert not get_user_model().objects.exists()
    assert Article.objects.count() == 11
    load(force=True)
    assert get_user_model().objects.filter(username="editeur").exists()


def test_seeds_dir_override(tmp_path, monkeypatch):
    for name in (demo.AFP_SEED, demo.INHOUSE_SEED):
        text = (demo.BUNDLED_SEEDS / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("Kazakhstan", "Qazaqstan"), encoding="utf-8")
    monkeypatch.setenv("SEEDS_DIR", str(tmp_path))
    load()
    assert "Qazaqstan" in Article.objects.get(slug=AFP_SLUG).body


def test_generate_articles():
    out = StringIO()
    call_command("generate_articles", "50", "--seed", "3", stdout=out)
    assert "50 articles créés en" in out.getvalue()
    generated = Article.objects.published()
    assert generated.count() == 50
    assert len(set(generated.values_list("slug", flat=True))) == 50
    assert all(1 <= article.tags.count() <= 4 for article in generated[:10])
    call_command("generate_articles", "50", stdout=StringIO())
    assert Article.objects.count() == 100


@override_settings(DEBUG=True)
def test_demo_has_a_running_direct_linked_from_home(client):
    from articles.demo.live import SLUG
    from articles.models import LiveEntry

    load()
    article = Article.objects.get(slug=SLUG)
    entries = LiveEntry.objects.filter(live=article.live)
    assert article.live.is_live and article.live.summary
    assert entries.count() >= 5
    assert entries.values("author").distinct().count() == 2
    assert entries.filter(pinned=True).count() == 1
    assert entries.filter(edited_at__isnull=False).count() == 1
    home = client.get("/").content.decode()
    assert f'href="{article.get_absolute_url()}"' in home and "En direct" in home
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Entrée modifiée à" in page and "Épinglé" in page and "L’essentiel" in page


@override_settings(DEBUG=True)
def test_demo_desk_gives_each_role_something_to_do():
    from articles.desk import returned
    from articles.models import Assignment, Notification

    load()
    assert [a.headline for a in returned(Article.objects.all())] == [desk_demo.RETURNED["headline"]]
    assert list(Article.objects.filter(status=Article.Status.SUBMITTED).values_list("headline", flat=True)) == [
        desk_demo.IN_REVIEW["headline"]
    ]
    topic = Assignment.objects.get()
    assert [user.username for user in topic.assignees.all()] == ["journaliste"]
    assert timezone.localdate(topic.due_at) == timezone.localdate()
    kinds = {(n.recipient.username, n.kind) for n in Notification.objects.select_related("recipient")}
    assert {("journaliste", "returned"), ("journaliste", "assigned")} <= kinds
    assert {("editeur", "submitted"), ("redacteur-en-chef", "submitted")} <= kinds
