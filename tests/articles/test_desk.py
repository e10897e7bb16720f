"""The desk: the dashboard per role, topics and the day's budget, with a constant number of queries."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.admin.desk import start_article
from articles.models import Article, Assignment, Notification, Section, Transition
from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST
from tests.factories import make_article, make_author, make_section, make_user, source

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # 10 h in Paris
Status = Article.Status


@pytest.fixture
def newsroom():
    journalist = make_user("aigerim", groups=[JOURNALIST], first_name="Aïgerim", last_name="Nurlanovna")
    other = make_user("timour", groups=[JOURNALIST])
    editor = make_user("damir", groups=[EDITOR], first_name="Damir", last_name="Seitkali")
    chief = make_user("gulnara", groups=[CHIEF_EDITOR])
    make_author(name="Aïgerim Nurlanovna", slug="aigerim", user=journalist)
    return {"journalist": journalist, "other": other, "editor": editor, "chief": chief}


def draft(headline, user, **fields):
    article = make_article(headline=headline, status=Status.DRAFT, publish_at=None, created_by=user, **fields)
    return article


def block_rows(response, key):
    """The headlines (or titles) listed in one desk block, in order."""
    match = re.search(rf'<section class="desk-block desk-{key}[ "].*?</section>', response.text, re.S)
    assert match, f"no block {key}"
    return re.findall(r"<li>\s*<a [^>]*>([^<]+)</a>", match.group(0))


def block_count(response, key):
    match = re.search(rf'desk-{key}-title">[^<]*<span class="desk-count">(\d+)</span>', response.text)
    return int(match.group(1))


@time_machine.travel(NOW, tick=False)
def test_journalist_desk_lists_their_own_work_by_state(client, newsroom):
    me, other, editor = newsroom["journalist"], newsroom["other"], newsroom["editor"]
    draft("Mon brouillon", me)
    draft("Le brouillon d’un collègue", other)
    back = draft("Renvoyé avec remarques", me)
    back.submit(user=me)
    back.return_to_draft(user=editor, comment="Il manque la réaction du ministère.")
    draft("En attente de relecture", me).submit(user=me)
    scheduled = draft("Pour demain matin", me)
    scheduled.schedule(user=editor, at=NOW + dt.timedelta(days=1))
    topic = Assignment.objects.create(working_title="La réforme des retraites", due_at=NOW + dt.timedelta(hours=6))
    topic.assignees.add(me)
    Assignment.objects.create(working_title="Sujet abandonné", status=Assignment.Status.DROPPED).assignees.add(me)

    client.force_login(me)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert block_rows(response, "returned") == ["Renvoyé avec remarques"]
    assert "Il manque la réaction du ministère." in response.text
    assert block_rows(response, "drafts") == ["Mon brouillon"]
    assert block_rows(response, "review") == ["En attente de relecture"]
    assert block_rows(response, "scheduled") == ["Pour demain matin"]
    assert block_rows(response, "assignments") == ["La réforme des retraites"]
    assert "à rendre le 1er décembre 2026 à 16 h 00" in response.text
    # A journalist sees no editors' blocks.
    assert "desk-to_review" not in response.text and "desk-wire" not in response.text


@time_machine.travel(NOW, tick=False)
def test_editor_desk_review_queue_oldest_first_and_the_day(client, newsroom):
    me, editor = newsroom["journalist"], newsroom["editor"]
    with time_machine.travel(NOW - dt.timedelta(hours=3), tick=False):
        draft("Soumis il y a trois heures", me).submit(user=me)
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        draft("Soumis il y a une heure", me).submit(user=me)
    make_article(headline="Paru ce matin", publish_at=NOW - dt.timedelta(hours=2))
    make_article(headline="Paru hier", publish_at=NOW - dt.timedelta(days=1))
    make_article(headline="Ce soir à 18 h", publish_at=NOW + dt.timedelta(hours=8))
    make_article(headline="Demain", publish_at=NOW + dt.timedelta(days=1, hours=2))
    dispatch = make_article(headline="Dépêche du matin", source=source("afp"), status=Status.DRAFT, publish_at=None)
    withdrawn = make_article(headline="Dépêche retirée", source=source("afp"))
    make_article(headline="Réécriture en ligne", based_on=withdrawn, publish_at=NOW - dt.timedelta(days=2))
    withdrawn.move("withdraw", actor=Transition.Actor.WIRE, withdrawn_at=NOW)

    client.force_login(editor)
    response = client.get(reverse("admin:index"))
    assert block_rows(response, "to_review") == ["Soumis il y a trois heures", "Soumis il y a une heure"]
    assert "en attente depuis 3" in response.text
    assert block_rows(response, "published_today") == ["Paru ce matin"]
    assert block_rows(response, "scheduled_today") == ["Ce soir à 18 h"]
    assert block_rows(response, "wire") == [dispatch.headline]
    assert block_rows(response, "withdrawals") == ["Dépêche retirée"]
    # Opening « Fil AFP » marks the wire as seen: nothing new afterwards.
    client.get(reverse("admin:articles_wiredispatch_changelist"))
    assert block_count(client.get(reverse("admin:index")), "wire") == 0


def test_editor_desk_flags_a_rewrite_that_copies_its_dispatch(client, newsroom):
    text = " ".join(f"mot{i}" for i in range(200))
    dispatch = make_article(headline="La dépêche", source=source("afp"), body=f"<p>{text}</p>")
    make_article(headline="Copie presque conforme", based_on=dispatch, body=f"<p>{text}</p>")
    make_article(headline="Vraie réécriture", based_on=dispatch, body="<p>" + "autre " * 50 + "</p>")
    client.force_login(newsroom["editor"])
    assert block_rows(client.get(reverse("admin:index")), "copied") == ["Copie presque conforme"]


def test_editor_desk_shows_the_next_edition_of_each_newsletter(client, newsroom):
    from newsletter.models import Edition, Newsletter

    daily = Newsletter.objects.order_by("pk").first()
    edition = Edition.objects.create(
        newsletter=daily, subject="L’essentiel du jour", period_start=timezone.now(), period_end=timezone.now()
    )
    edition.articles.add(make_article(), through_defaults={"position": 1})
    client.force_login(newsroom["editor"])
    response = client.get(reverse("admin:index"))
    match = re.search(r'<section class="desk-block desk-editions.*?</section>', response.text, re.S).group(0)
    assert daily.name in match and "1 article" in match


def desk_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:index")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["journalist", "editor"])
def test_desk_costs_the_same_number_of_queries_at_10_and_5000_articles(client, newsroom, role):
    user = newsroom[role]
    section, redaction = make_section(), source("redaction")

    def add(n, offset):
        now = timezone.now()
        rows = [
            Article(
                headline=f"Article {offset + i}",
                slug=f"article-{offset + i}",
                section=section,
                source=redaction,
                created_by=newsroom["journalist"],
                status=[Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED][i % 3],
                publish_at=now - dt.timedelta(minutes=i) if i % 3 == 2 else None,
            )
            for i in range(n)
        ]
        Article.objects.bulk_create(rows, batch_size=1000)

    add(10, 0)
    small = desk_queries(client, user)
    add(4990, 10)
    assert desk_queries(client, user) == small


# --- Topics and the budget -----------------------------------------------------------------


def test_assigning_a_topic_in_the_admin_notifies_each_new_assignee_once(
    client, newsroom, mailoutbox, django_capture_on_commit_callbacks
):
    editor, me, other = newsroom["editor"], newsroom["journalist"], newsroom["other"]
    client.force_login(editor)
    data = {"working_title": "Élections à Bichkek", "status": "assigned", "assignees": [me.pk], "notes": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_assignment_add"), data)
    assert response.status_code == 302, response.content
    topic = Assignment.objects.get()
    assert topic.created_by == editor
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("aigerim", "assigned")]
    # Saved again with one more journalist: only the newcomer hears of it.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:articles_assignment_change", args=[topic.pk]), {**data, "assignees": [me.pk, other.pk]}
        )
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["aigerim", "timour"]
    assert [message.to for message in mailoutbox] == [["aigerim@example.org"], ["timour@example.org"]]
    assert "Nouveau sujet pour vous : « Élections à Bichkek »" in mailoutbox[0].subject


def test_a_topic_becomes_a_draft_then_follows_the_article(newsroom):
    me, editor = newsroom["journalist"], newsroom["editor"]
    dispatch = make_article(headline="Dépêche AFP", source=source("afp"))
    topic = Assignment.objects.create(
        working_title="Législatives au Kirghizistan",
        section=Section.objects.get(slug="kirghizistan"),
        dispatch=dispatch,
    )
    topic.assignees.add(me)
    article = start_article(topic, user=editor)
    topic.refresh_from_db()
    assert topic.article == article and topic.status == Assignment.Status.IN_PROGRESS
    assert article.headline == "Législatives au Kirghizistan" and article.based_on == dispatch
    assert [author.user for author in article.authors.all()] == [me]
    assert start_article(topic, user=editor) is None  # once
    article.submit(user=me)
    topic.refresh_from_db()
    assert topic.status == Assignment.Status.FILED
    article.publish(user=editor)
    topic.refresh_from_db()
    assert topic.status == Assignment.Status.PUBLISHED


@time_machine.travel(NOW, tick=False)
def test_budget_of_the_day_by_section(client, newsroom):
    kz, uz = Section.objects.get(slug="kazakhstan"), Section.objects.get(slug="ouzbekistan")
    Assignment.objects.create(working_title="Sommet d’Astana", section=kz, due_at=NOW + dt.timedelta(hours=5))
    Assignment.objects.create(working_title="Coton ouzbek", section=uz, due_at=NOW + dt.timedelta(hours=2))
    Assignment.objects.create(working_title="Pour demain", section=uz, due_at=NOW + dt.timedelta(days=1))
    Assignment.objects.create(working_title="Idée sans date", section=uz, status=Assignment.Status.IDEA)
    client.force_login(newsroom["editor"])
    url = reverse("admin:articles_assignment_budget")
    html = client.get(url).text
    assert "Budget du 1er décembre 2026" in html
    titles = re.findall(r'assignment/\d+/change/">([^<]+)</a>', html)
    assert titles == ["Sommet d’Astana", "Coton ouzbek", "Idée sans date"]
    assert html.index(">Kazakhstan<") < html.index(">Ouzbékistan<")
    tomorrow = client.get(url, {"jour": "2026-12-02"}).text
    assert "Pour demain" in tomorrow and "Sommet d’Astana" not in tomorrow
    assert "Budget du 1er décembre 2026" in client.get(url, {"jour": "pas-une-date"}).text


def test_journalists_read_the_budget_but_cannot_assign(client, newsroom):
    client.force_login(newsroom["journalist"])
    assert client.get(reverse("admin:articles_assignment_budget")).status_code == 200
    assert client.get(reverse("admin:articles_assignment_add")).status_code == 403


def test_desk_names_the_role_of_the_person_signed_in(client, newsroom):
    for user, role in [("journalist", "Journaliste"), ("editor", "Éditeur"), ("chief", "Rédaction en chef")]:
        client.force_login(newsroom[user])
        assert f'<span class="desk-role">{role}</span>' in client.get(reverse("admin:index")).text
