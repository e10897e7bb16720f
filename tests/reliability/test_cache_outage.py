"""Redis stopped: no 500 anywhere the code reads or writes the cache outside the page cache.

The page cache's own degrade is tested in tests/articles/test_cache.py. Here the other cache users —
the sign-up rate limit, the admin's editing presence, live coverage polling, the alert form — each run
against a private redis-server (free port, started and stopped by the test), once while it answers
and once after it was stopped. What an outage means is decided per use: the rate limit lets sign-ups
through (and says so in the log), the presence shows nobody, polling is built from the database, an
alert goes out once whatever happens to the cache.
"""

import logging
import re
import time
from html import unescape
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from articles import cache_safety, live, live_cache, pagecache
from articles.roles import EDITOR
from newsletter import alerts
from newsletter.models import Delivery, Edition, Subscriber
from tests.articles.live_helpers import make_editor, make_live
from tests.articles.servers import RedisServer
from tests.factories import make_article, make_user
from tests.newsletter.helpers import make_subscriber

pytestmark = pytest.mark.django_db


def reset_outage_backoff():
    pagecache._down_until = 0.0
    cache_safety._down_until = 0.0


@pytest.fixture
def redis(settings, tmp_path):
    """The default cache on a private redis-server; `redis.stop()` is the outage."""
    server = RedisServer(tmp_path)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            # A busy test machine is not an outage: only the stopped server is.
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
    reset_outage_backoff()
    yield server
    server.stop()
    reset_outage_backoff()


def visitor(user=None):
    """A client that answers 500 like the server would, instead of raising the view's exception."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def sign_up(client, email):
    return client.post("/newsletter/", {"email": email, "frequency": "daily", "form": "page"})


def test_signups_are_let_through_and_logged_while_redis_is_down(redis, settings, caplog):
    settings.NEWSLETTER_SIGNUP_LIMIT = 1
    client = visitor()
    assert sign_up(client, "premiere@example.org").status_code == 302
    assert sign_up(client, "deuxieme@example.org").status_code == 429  # the limit holds while Redis answers

    redis.stop()
    mail.outbox.clear()
    with caplog.at_level(logging.WARNING):
        for email in ("troisieme@example.org", "quatrieme@example.org"):
            response = sign_up(client, email)
            assert response.status_code == 302, response.status_code
    pending = Subscriber.objects.filter(status=Subscriber.Status.PENDING)
    assert set(pending.values_list("email", flat=True)) == {
        "premiere@example.org",
        "troisieme@example.org",
        "quatrieme@example.org",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["quatrieme@example.org", "troisieme@example.org"]
    assert "sign-up rate limit not applied" in caplog.text  # fail open, but not silently


def test_article_admin_opens_while_redis_is_down_and_shows_nobody_editing(redis):
    article = make_article(headline="Crue de l’Ichim")
    url = reverse("admin:articles_article_change", args=[article.pk])
    dana = visitor(make_user("dana", groups=[EDITOR], first_name="Dana", last_name="Abenova"))
    marc = visitor(make_user("marc", groups=[EDITOR]))
    assert dana.get(url).status_code == 200
    assert "En cours d’édition par Dana Abenova" in marc.get(url).text  # presence works while Redis answers

    redis.stop()
    for client in (marc, dana):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert "Crue de l’Ichim" in response.text
        assert "En cours d’édition" not in response.text


def test_live_polling_and_posting_work_while_redis_is_down(redis, django_capture_on_commit_callbacks, monkeypatch):
    editor = make_editor()
    direct = make_live(editor=editor)
    with django_capture_on_commit_callbacks(execute=True):
        live.post_entry(live=direct, user=editor, body="Les bureaux de vote ferment.")
    url = reverse("articles:live_poll", args=[direct.pk])
    reader = visitor()
    before = reader.get(url)
    assert before.status_code == 200 and "Les bureaux de vote ferment." in before.text

    redis.stop()
    # Nobody else can be building the payload when nobody can take the lock: no waiting for one.
    clock = SimpleNamespace(monotonic=time.monotonic, sleep=lambda seconds: pytest.fail("waited for a builder"))
    monkeypatch.setattr(live_cache, "time", clock)
    with django_capture_on_commit_callbacks(execute=True):
        live.post_entry(live=direct, user=editor, body="Second tour annoncé.")  # its refresh must not raise
    response = reader.get(url)
    assert response.status_code == 200, response.status_code
    assert "Second tour annoncé." in response.text and response["ETag"] != before["ETag"]
    assert reader.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_alert_posted_twice_while_redis_is_down_goes_out_once(redis):
    editor = make_editor()
    direct = make_live(editor=editor)
    make_subscriber("alerte1@example.org", alerts=True)
    make_subscriber("alerte2@example.org", alerts=True)
    client = visitor(editor)
    url = reverse("newsletter:send_alert", args=[direct.pk])
    form = {"subject": "Alerte — second tour", "intro": "Texte", "nonce": "n-outage", "confirm": "on"}

    redis.stop()
    first = client.post(url, form)
    assert first.status_code == 302, first.status_code
    again = client.post(url, form)  # the form posted twice (double click, browser retry)
    assert again.status_code == 302, again.status_code
    edition = Edition.objects.get(kind=Edition.Kind.ALERT)
    assert again["Location"] == first["Location"] == reverse("admin:newsletter_edition_change", args=[edition.pk])
    recipients = Delivery.objects.filter(edition=edition).values_list("subscriber__email", flat=True)
    assert sorted(recipients) == ["alerte1@example.org", "alerte2@example.org"]


def same_site_links(html):
    for href in re.findall(r'href="(/[^"#]*)"', html):
        if not href.startswith(("/static/", "/media/")):
            yield unescape(href)


def test_no_page_of_the_site_answers_500_while_redis_is_down(redis):
    """Every page a reader reaches in two clicks from home, the newsletter pages, live polling, and every
    admin list, add and change page for a superuser: none answers 500 once Redis is stopped. (Search is
    the test below.)"""
    editor = make_editor()
    direct = make_live(editor=editor, headline="Direct des élections")
    live.post_entry(live=direct, user=editor, body="Les bureaux ferment.")
    story = make_article(headline="Crue de l’Ichim", tags=["eau"])
    subscriber = make_subscriber("lecteur@example.org", alerts=True)
    alerts.send_alert(live=direct, user=editor, subject="Alerte", intro="", nonce="crawl")
    admin_user = make_user("admin", is_staff=True, is_superuser=True)

    redis.stop()
    reader, staff = visitor(), visitor(admin_user)
    seen, failures = {}, []
    queue = ["/", "/newsletter/", story.get_absolute_url(),
             f"/newsletter/preferences/{subscriber.link_token()}/",
             reverse("articles:live_poll", args=[direct.pk])]  # fmt: skip
    for depth in range(3):
        following = []
        for url in queue:
            if url in seen or url.startswith("/recherche/") or len(seen) >= 400:
                continue
            response = reader.get(url)
            seen[url] = response.status_code
            if response.status_code == 200 and "html" in response.get("Content-Type", "") and depth < 2:
                following.extend(same_site_links(response.text))
        queue = following
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        urls = [reverse(f"admin:{info[0]}_{info[1]}_changelist")]
        request = RequestFactory().get("/")
        request.user = admin_user
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_change", args=[first.pk]))
        for url in urls:
            seen[url] = staff.get(url).status_code
    failures = {url: status for url, status in seen.items() if status >= 500}
    assert not failures
    assert len(seen) > 60 and list(seen.values()).count(200) > 50  # the crawl reached the site


def test_search_answers_while_redis_is_down(redis, client):
    make_article(headline="Crue de l’Ichim")
    redis.stop()
    response = client.get("/recherche/?q=crue")
    assert response.status_code == 200, response.status_code
    assert "Ichim" in response.text  # the story is found (its headline is highlighted)
