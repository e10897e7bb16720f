"""What pages declare to social networks and search engines in their head."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.articles.conftest import PUBLIC_SITE as SITE
from tests.factories import make_article, make_author, source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_site")]


def head_of(client, url):
    response = client.get(url, HTTP_HOST="backend.internal")
    assert response.status_code == 200
    head = response.text.split("</head>")[0]
    assert "backend.internal" not in head
    return head


def metas(head):
    """{property or name: [content, …]} of every <meta> in the head."""
    found = {}
    for key, content in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', head):
        found.setdefault(key, []).append(content)
    return found


def links(head, rel):
    return re.findall(rf'<link rel="{rel}"[^>]*href="([^"]+)"', head)


def test_article_open_graph_and_twitter(client):
    author = make_author(name="Aigerim N.", slug="aigerim")
    story = make_article(
        headline="Pourquoi Astana ?",
        standfirst="Le chapô.",
        authors=[author],
        tags=["énergie"],
        publish_at=timezone.now() - dt.timedelta(hours=2),
        updated_at=timezone.now() - dt.timedelta(hours=1),
    )
    url = SITE + story.get_absolute_url()
    found = metas(head_of(client, story.get_absolute_url()))
    assert found["og:type"] == ["article"]
    assert found["og:url"] == [url]
    assert found["og:title"] == ["Pourquoi Astana\u202f?"]
    assert found["og:description"] == found["description"] == ["Le chapô."]
    assert found["og:image"] == [f"{SITE}/static/img/partage.png"]
    assert found["article:published_time"] == [timezone.localtime(story.publish_at).isoformat()]
    assert found["article:modified_time"] == [timezone.localtime(story.updated_at).isoformat()]
    assert found["article:section"] == ["Kazakhstan"]
    assert found["article:tag"] == ["énergie"]
    assert found["article:author"] == [f"{SITE}/auteurs/aigerim/"]
    assert found["twitter:card"] == ["summary_large_image"]
    assert found["twitter:image"] == found["og:image"]
    assert links(head_of(client, story.get_absolute_url()), "canonical") == [url]


def test_dispatch_without_standfirst_describes_itself_by_its_first_paragraph(client):
    """#14 item 9: a wire dispatch had an empty meta description and og:description."""
    dispatch = make_article(
        standfirst="", body="<p></p><p>Le président est attendu &amp; salué.</p><p>Suite.</p>", source=source("afp")
    )
    found = metas(head_of(client, dispatch.get_absolute_url()))
    assert found["description"] == found["og:description"] == ["Le président est attendu &amp; salué."]
    assert found["article:author"] == ["AFP"]


def test_paginated_listing_has_prev_next_and_canonical(client):
    for _ in range(45):
        make_article()
    head = head_of(client, "/kazakhstan/?page=2")
    assert links(head, "canonical") == [f"{SITE}/kazakhstan/?page=2"]
    assert links(head, "prev") == [f"{SITE}/kazakhstan/"]
    assert links(head, "next") == [f"{SITE}/kazakhstan/?page=3"]
    first = head_of(client, "/kazakhstan/")
    assert links(first, "prev") == [] and links(first, "next") == [f"{SITE}/kazakhstan/?page=2"]
    assert metas(first)["og:url"] == [f"{SITE}/kazakhstan/"]


def test_feed_autodiscovery(client):
    author = make_author(slug="aigerim")
    make_article(authors=[author])
    head = head_of(client, "/auteurs/aigerim/")
    assert '<link rel="alternate" type="application/rss+xml" title="Newsroom' in head
    assert 'href="/rss/auteurs/aigerim/"' in head and 'href="/atom/auteurs/aigerim/"' in head
    assert 'href="/rss/kazakhstan/"' in head_of(client, "/kazakhstan/")
    home = head_of(client, "/")
    assert 'type="application/atom+xml"' in home and 'href="/atom/"' in home


def test_preview_is_noindex(admin_client):
    draft = make_article(status="draft", publish_at=None)
    from articles.preview import share_url

    response = admin_client.get(share_url(draft).removeprefix(SITE))
    assert '<meta name="robots" content="noindex">' in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
