"""Generic plans only while a public page is built for a reader (articles/plans.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


def mode():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def test_only_public_page_builds_may_use_generic_plans(client):
    if connection.vendor != "postgresql":
        pytest.skip("plan cache modes are PostgreSQL's")
    article = make_article()
    connection.plan_cache_mode = None  # whatever an earlier test left: the next request sets it
    assert mode() == "force_custom_plan"  # how every connection starts

    cache.clear()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert mode() == "auto"  # built for a reader

    staff = Client()
    staff.force_login(make_user(is_superuser=True))
    assert staff.get("/admin/articles/article/?etat=draft").status_code == 200
    assert mode() == "force_custom_plan"  # the desk's lists are planned for their parameters

    client.get("/")
    assert mode() == "auto"
    client.get("/recherche/", {"q": "Rogoun"})
    assert mode() == "force_custom_plan"  # a search is planned for its words (plans.custom_plans)
    cache.clear()
    client.get("/")
    assert mode() == "auto"
    client.post("/newsletter/", {"email": "x"})  # an anonymous write is no public page build
    assert mode() == "force_custom_plan"
