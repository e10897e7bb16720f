"""Property-based tests of the articles' untrusted inputs: the NewsML importer and the admin article form.

Importer: whatever the wire sends, no exception escapes, every bad item is a rejection with a reason,
nothing of a rejected item is written, and what is stored is clean HTML. Admin form: whatever an
editor (or a crafted request) posts, no 500 and no unsanitised HTML stored. Examples come from the
hypothesis profile of tests/conftest.py (a few dozen in `make test`, 10 000 with NEWSROOM_LONG=1).
"""

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from articles import wire
from articles.models import Article, WireWithdrawal
from articles.roles import EDITOR
from articles.sanitize import sanitize_html
from tests.articles.helpers import form_data
from tests.articles.newsml_factory import news_item, news_message
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db

text = st.text(max_size=200)
HOSTILE_HTML = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<iframe src=//evil.example></iframe>",
    "<div>" * 300 + "x",
    "<p>Texte normal à l’Astana.</p>",
]
html_text = st.one_of(
    st.sampled_from(HOSTILE_HTML), text, st.lists(st.sampled_from(HOSTILE_HTML), max_size=4).map("".join)
)
dates = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "2024-02-30T00:00:00Z", ""]),
    text,
)
versions = st.one_of(st.integers(min_value=-5, max_value=2**70), st.sampled_from(["²", "١", "1.0", "", " 3 "]), text)
items = st.builds(
    news_item,
    guid=st.one_of(st.sampled_from(["urn:fuzz:1", "urn:fuzz:2"]), text),
    version=versions,
    headline=text,
    pub_status=st.sampled_from(["stat:usable", "stat:withheld", "stat:canceled", "stat:bogus"]),
    item_class=st.sampled_from(["ninat:text", "ninat:picture", ""]),
    first_created=dates,
    embargoed=st.one_of(st.just(""), dates),
    paragraphs=st.lists(text, max_size=3),
    keywords=st.lists(st.text(max_size=150), max_size=3),
    ed_note=text,
)


def written():
    return (
        list(Article.objects.order_by("pk").values_list("pk", "wire_guid", "wire_version", "status", "edit_version")),
        list(WireWithdrawal.objects.order_by("pk").values_list("guid", "version")),
    )


def assert_clean_bodies():
    for body in Article.objects.values_list("body", flat=True):
        assert sanitize_html(body) == body
        assert "<script" not in body.lower() and "javascript:" not in body.lower()


@given(item=items)
def test_importer_rejects_without_exceptions_and_writes_nothing_of_a_rejection(item):
    before = written()
    results = wire.ingest_bytes(news_message(item), name="fuzz.xml", auto_publish=True)
    assert len(results) == 1
    result = results[0]
    event(str(result.outcome))
    assert result.outcome in wire.Outcome.values
    if result.outcome == wire.Outcome.REJECTED:
        assert result.reason
        assert written() == before
    assert_clean_bodies()


@given(data=st.binary(max_size=500) | text.map(str.encode))
def test_importer_survives_any_bytes(data):
    before = written()
    results = wire.ingest_bytes(data, name="fuzz.xml")
    assert results and all(r.outcome == wire.Outcome.REJECTED and r.reason for r in results)
    assert written() == before


fields = st.fixed_dictionaries(
    {},
    optional={
        "headline": text,
        "slug": text,
        "kicker": text,
        "standfirst": html_text,
        "body": html_text,
        "tags": st.one_of(text, st.text(min_size=90, max_size=120)),
        "byline": text,
        "dateline": text,
        "credit_line": text,
        "publish_at_0": text,
        "publish_at_1": text,
        "edit_version": st.one_of(text, st.integers().map(str)),
        "_transition": st.sampled_from(["publish", "schedule", "unpublish", "bogus", ""]),
    },
)


@given(overrides=fields)
def test_admin_article_form_never_500_nor_stores_unsanitised_html(client, overrides):
    editor = make_user(groups=[EDITOR])
    client.force_login(editor)
    article = make_article()
    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), form_data(article, **overrides))
    event(f"status {response.status_code}")
    assert response.status_code in (200, 302)
    assert_clean_bodies()
