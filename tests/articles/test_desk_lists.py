"""The desk's lists at scale: what the article list's date hierarchy, its author filter and the wire
list's subject filter offer, read without scanning the archive (figures in docs/benchmarks.md)."""

from datetime import datetime

import pytest
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.admin import wire as wire_admin
from articles.models import Article
from articles.roles import EDITOR
from tests.factories import make_article, make_author, make_user, source

pytestmark = pytest.mark.django_db
ARTICLES = "/admin/articles/article/"
WIRE = "/admin/articles/wiredispatch/"


@pytest.fixture
def editor(client):
    client.force_login(make_user("editrice", groups=[EDITOR]))
    return client


def local(*args):
    return datetime(*args, tzinfo=timezone.get_current_timezone())


def hierarchy(response):
    """The date hierarchy's choices, as the editor reads them above the list."""
    return [choice["title"] for choice in date_hierarchy(response.context["cl"])["choices"]]


def test_the_date_hierarchy_offers_only_periods_that_have_stories(editor):
    make_article(publish_at=local(2024, 3, 5, 10))
    make_article(publish_at=local(2026, 1, 1, 0, 30))  # 23:30 UTC on 31 December 2025: a 2026 story
    make_article(publish_at=local(2026, 11, 30, 23, 59))
    make_article(status=Article.Status.DRAFT, publish_at=None)
    assert hierarchy(editor.get(ARTICLES)) == ["2024", "2026"]  # not 2025, no year for the draft
    assert hierarchy(editor.get(ARTICLES, {"publish_at__year": 2026})) == ["Janvier 2026", "Novembre 2026"]
    days = hierarchy(editor.get(ARTICLES, {"publish_at__year": 2026, "publish_at__month": 11}))
    assert days == ["30 novembre"]
    # The list's filters apply: the agency's stories only.
    make_article(publish_at=local(2025, 6, 1, 12), source=source("afp"))
    # One month of them: Django's hierarchy opens that month, as it always did.
    assert hierarchy(editor.get(ARTICLES, {"source__id__exact": source("afp").pk})) == ["1er juin"]


def test_the_date_hierarchy_costs_the_same_queries_whatever_the_years(editor):
    make_article(publish_at=local(2026, 2, 1, 12))
    with CaptureQueriesContext(connection) as one_year:
        assert editor.get(ARTICLES).status_code == 200
    for year in range(2010, 2026):
        make_article(publish_at=local(year, 6, 1, 12))
    with CaptureQueriesContext(connection) as many_years:
        response = editor.get(ARTICLES)
    assert hierarchy(response) == [str(year) for year in range(2010, 2027)]
    assert len(many_years) == len(one_year)
    # No DISTINCT over the stories' dates: one probe of each year instead.
    assert not any("DISTINCT" in query["sql"] for query in many_years.captured_queries)


def test_the_author_filter_lists_the_authors_who_signed_a_story(editor):
    signed, unsigned = make_author(name="Aïgerim Nourlanova"), make_author(name="Personne")
    make_article(authors=[signed])
    page = editor.get(ARTICLES).text
    assert signed.name in page and unsigned.name not in page


def dispatch(headline, created, *, tags=()):
    article = make_article(headline=headline, source=source("afp"), tags=tags)
    Article.objects.filter(pk=article.pk).update(wire_version_created=created, wire_guid=f"urn:test:{article.pk}")
    return article


def test_the_wire_list_is_newest_version_first_with_hand_typed_agency_stories_last(editor):
    old = dispatch("Ancienne dépêche", local(2026, 11, 1, 8))
    new = dispatch("Nouvelle dépêche", local(2026, 12, 1, 8))
    typed = make_article(headline="Saisie à la main", source=source("afp"))
    rewrite = make_article(headline="Réécriture", source=source("redaction"), based_on=old)
    make_article(headline="Autre réécriture", source=source("redaction"), based_on=old)
    response = editor.get(WIRE)
    rows = list(response.context["cl"].result_list)
    assert [a.headline for a in rows] == [new.headline, old.headline, typed.headline]
    assert [a.rewrites_total for a in rows] == [0, 2, 0]
    assert rewrite.headline not in [a.headline for a in rows]


def test_the_wire_subjects_are_those_of_the_newest_dispatches_and_the_one_chosen(editor, monkeypatch):
    monkeypatch.setattr(wire_admin, "SUBJECT_DISPATCHES", 2)
    dispatch("Vieille", local(2026, 1, 1, 8), tags=["archives"])
    dispatch("Récente", local(2026, 12, 1, 8), tags=["diplomatie"])
    dispatch("Plus récente", local(2026, 12, 2, 8), tags=["énergie"])

    def subjects(**params):
        response = editor.get(WIRE, params)
        spec = next(f for f in response.context["cl"].filter_specs if f.parameter_name == "sujet")
        return [title for _, title in spec.lookup_choices], [a.headline for a in response.context["cl"].result_list]

    assert subjects() == (["diplomatie", "énergie"], ["Plus récente", "Récente", "Vieille"])
    # An older subject can still be chosen from a link, and stays shown once chosen.
    assert subjects(sujet="archives") == (["archives", "diplomatie", "énergie"], ["Vieille"])


def test_a_list_of_a_few_rows_is_read_from_its_rows_and_keeps_its_order(client):
    # « Mes articles » at a million stories: PostgreSQL walked the whole newest-first index looking for
    # the editor's few stories (2.1 s for the page, 6 s for each end of the date hierarchy).
    editor = make_user("editrice", groups=[EDITOR])
    client.force_login(editor)
    old = make_article(headline="Ancien", publish_at=local(2025, 1, 1, 12), created_by=editor)
    new = make_article(headline="Récent", publish_at=local(2026, 6, 1, 12), created_by=editor)
    draft = make_article(headline="Brouillon", status=Article.Status.DRAFT, publish_at=None, created_by=editor)
    make_article(headline="D’un autre")
    for params, walks in (({}, True), ({"mine": "1"}, False), ({"q": "Ancien"}, False), ({"etat": "draft"}, True)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ARTICLES, params)
        listed = [a.headline for a in response.context["cl"].result_list]
        page_sql = next(q["sql"] for q in queries.captured_queries if '"articles_article"."headline"' in q["sql"])
        assert ("ORDER BY COALESCE" not in page_sql) is walks, params
        if params == {"mine": "1"}:  # the draft first on PostgreSQL, last on SQLite (NULL dates), as before
            assert sorted(listed) == sorted([draft.headline, new.headline, old.headline])
            assert [h for h in listed if h != draft.headline] == [new.headline, old.headline]
    assert hierarchy(client.get(ARTICLES, {"mine": "1"})) == ["2025", "2026"]


def test_a_search_lists_its_matches_without_the_date_hierarchy_and_keeps_a_period_chosen(editor):
    make_article(headline="Rogoun en 2025", publish_at=local(2025, 3, 1, 12))
    make_article(headline="Rogoun en 2026", publish_at=local(2026, 3, 1, 12))
    response = editor.get(ARTICLES, {"q": "Rogoun"})
    assert [a.headline for a in response.context["cl"].result_list] == ["Rogoun en 2026", "Rogoun en 2025"]
    assert response.context["cl"].date_hierarchy is None
    chosen = editor.get(ARTICLES, {"q": "Rogoun", "publish_at__year": 2025})
    assert [a.headline for a in chosen.context["cl"].result_list] == ["Rogoun en 2025"]
    assert hierarchy(editor.get(ARTICLES))  # without a search the hierarchy is back


def test_a_journalists_list_holds_what_they_created_or_signed_read_as_one_set_of_ids(client):
    from articles.roles import JOURNALIST

    journalist = make_user("journaliste", groups=[JOURNALIST])
    client.force_login(journalist)
    created = make_article(headline="Créé par elle", created_by=journalist)
    signed = make_article(headline="Signé par elle", authors=[make_author(user=journalist)])
    make_article(headline="D’un collègue", created_by=make_user("collegue", groups=[JOURNALIST]))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ARTICLES)
    assert sorted(a.headline for a in response.context["cl"].result_list) == [created.headline, signed.headline]
    # `created_by = … OR id IN (…)` tested every story against both (1.5 s at a million stories).
    page_sql = next(q["sql"] for q in queries.captured_queries if '"articles_article"."headline"' in q["sql"])
    assert " OR " not in page_sql and "UNION" in page_sql
