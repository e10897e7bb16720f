"""The published queryset, attribution credit, body sanitising and the French date filter."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from articles.models import Article
from articles.templatetags.articles_tags import date_fr
from tests.factories import make_article, make_section, source

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def test_published_hides_drafts_future_and_withdrawn():
    visible = make_article()
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    future = make_article(publish_at=timezone.now() + dt.timedelta(hours=1))
    withdrawn = make_article(withdrawn_at=timezone.now())
    unpublished = make_article(status=Article.Status.UNPUBLISHED)

    assert list(Article.objects.published()) == [visible]
    assert list(Article.objects.scheduled()) == [future]
    assert not any(a.is_published for a in (draft, future, withdrawn, unpublished))
    assert future.is_scheduled


def test_credit_for_each_source():
    dispatch = make_article(source=source("afp"))
    rewrite = make_article(based_on=dispatch)
    plain = make_article()

    assert dispatch.credit == "AFP"
    assert rewrite.credit == "avec AFP"
    assert plain.credit == ""


def test_body_keeps_non_breaking_spaces_and_typography():
    text = "La France s’est \u00a0déclarée « prête » &amp; d’accord"
    article = make_article(body=f"<p>{text}</p><script>alert(1)</script>")
    article.refresh_from_db()
    assert article.body == f"<p>{text}</p>"


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (dt.datetime(2023, 10, 19, 12, 5, tzinfo=dt.UTC), "datetime", "19 octobre 2023 à 14 h 05"),
        (dt.datetime(2024, 2, 1, 8, 30, tzinfo=PARIS), "datetime", "1er février 2024 à 8 h 30"),
        (dt.datetime(2023, 12, 31, 23, 30, tzinfo=dt.UTC), "date", "1er janvier 2024"),
        (None, "datetime", ""),
    ],
)
def test_date_fr(value, style, expected):
    assert date_fr(value, style) == expected


def test_article_path_is_the_inverse_of_the_detail_pattern():
    from django.urls import resolve, reverse

    article = make_article(section=make_section(slug="ouzbekistan-2"), slug="le-titre-2024")
    path = article.get_absolute_url()
    assert path == reverse("articles:detail", kwargs={"section": "ouzbekistan-2", "slug": "le-titre-2024"})
    match = resolve(path)
    assert match.view_name == "articles:detail"
    assert match.kwargs == {"section": "ouzbekistan-2", "slug": "le-titre-2024"}
