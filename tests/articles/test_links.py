"""articles.links: every absolute URL comes from SITE_URL."""

import pytest
from django.template import Context, Template

from articles.links import absolute_url
from tests.factories import make_article

SITE = "https://www.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("/kazakhstan/", f"{SITE}/kazakhstan/"),
        ("kazakhstan/", f"{SITE}/kazakhstan/"),
        ("", f"{SITE}/"),
        ("https://cdn.example.net/a.jpg", "https://cdn.example.net/a.jpg"),
        ("//cdn.example.net/a.jpg", "https://cdn.example.net/a.jpg"),
    ],
)
def test_paths_and_urls(location, expected):
    assert absolute_url(location) == expected


@pytest.mark.django_db
def test_objects_and_template_filter():
    article = make_article()
    expected = SITE + article.get_absolute_url()
    assert absolute_url(article) == expected
    rendered = Template("{% load articles_tags %}{{ article|absolute }} {{ path|absolute }}").render(
        Context({"article": article, "path": "/rss/"})
    )
    assert rendered == f"{expected} {SITE}/rss/"
