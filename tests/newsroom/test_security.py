"""Production hardening: Content-Security-Policy, Permissions-Policy, login throttling, staff sessions."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, <style>, style= and on*= attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (
            tag == "script"
            and "src" not in attrs
            and attrs.get("type") not in ("application/ld+json", "application/json")
        ):
            self.found.append(f"inline <script> at {self.getpos()}")
        if tag == "style":
            self.found.append(f"<style> at {self.getpos()}")
        for name in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}= at {self.getpos()}")
        if attrs.get("href", "").lower().startswith("javascript:"):
            self.found.append(f"javascript: link at {self.getpos()}")


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.fixture
def public_urls():
    article = make_article(
        body='<p>Texte <a href="https://exemple.fr">lien</a></p><p><img src="/media/x.jpg" alt=""></p>'
    )
    return [
        "/",
        article.get_absolute_url(),
        f"/{article.section.slug}/",
        "/newsletter/",
        "/newsletter/merci/",
        "/corrections/",
        "/page-qui-n-existe-pas/",
    ]


def test_public_pages_carry_a_strict_policy_and_no_inline_code(client, public_urls):
    for url in public_urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert inline_code(response.content.decode()) == [], url


def test_error_page_has_no_inline_code():
    from django.template import loader

    assert inline_code(loader.get_template("500.html").render()) == []


def test_policy_survives_the_page_cache(client, public_urls):
    """The second request is served from the cache: the header is still there, and the same."""
    first = client.get("/")
    second = client.get("/")
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_admin_gets_its_own_policy_and_its_pages_no_inline_script(client):
    user = get_user_model().objects.create_superuser("chef", "chef@example.org", "motdepasse-test")
    client.force_login(user)
    article = make_article()
    for url in [
        "/admin/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{article.pk}/change/",
        f"/admin/articles/article/{article.pk}/partager/",
        "/admin/newsletter/edition/add/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"], url
        assert "'unsafe-inline'" in policy["style-src"]
        scripts = [f for f in inline_code(response.content.decode()) if "<style>" not in f and "style=" not in f]
        assert scripts == [], (url, scripts)


def test_permissions_policy_on_every_response(client):
    for url in ["/", "/admin/login/", "/healthz"]:
        header = client.get(url)["Permissions-Policy"]
        assert "camera=()" in header and "geolocation=()" in header and "microphone=()" in header
        assert "fullscreen=(self)" in header


def login(client, username, password, ip="192.0.2.10"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_fifty_wrong_passwords_lock_the_account_even_for_the_right_one():
    make_user("redac", is_staff=True)
    client = Client()
    for _ in range(50):
        response = login(client, "redac", "mauvais")
        assert response.status_code in (200, 429)
    response = login(client, "redac", "motdepasse-test")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Trop de tentatives de connexion infructueuses" in text
    assert f"pendant {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in text
    assert "_auth_user_id" not in client.session
    # Locked per account: from another address too.
    assert login(Client(), "redac", "motdepasse-test", ip="198.51.100.7").status_code == 429
    # After the cool-off the right password works again.
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=5)):
        response = login(Client(), "redac", "motdepasse-test")
        assert response.status_code == 302


def test_one_address_trying_many_accounts_is_locked_out():
    make_user("victime", is_staff=True)
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"inconnu{n}", "mauvais", ip="203.0.113.9")
    assert login(client, "victime", "motdepasse-test", ip="203.0.113.9").status_code == 429
    # Someone else, elsewhere, logs in.
    assert login(Client(), "victime", "motdepasse-test", ip="192.0.2.44").status_code == 302


def test_a_few_typos_do_not_lock_anyone_out():
    make_user("distrait", is_staff=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "distrait", "mauvais").status_code == 200
    assert login(client, "distrait", "motdepasse-test").status_code == 302


def test_staff_session_ends_after_the_idle_period(client):
    user = make_user("veilleur", is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    moment = timezone.now()
    for _ in range(2):  # each request pushes the end back
        moment += idle - timedelta(minutes=5)
        with time_machine.travel(moment):
            assert client.get("/admin/").status_code == 200
    with time_machine.travel(moment + idle + timedelta(minutes=1)):
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_web_version_of_an_edition_may_style_inline_but_never_script(client):
    from newsletter import editions
    from newsletter.models import Edition
    from tests.newsletter.helpers import daily

    make_article()
    edition = editions.assemble_edition(newsletter=daily())
    Edition.objects.filter(pk=edition.pk).update(status=Edition.Status.SENT)
    for _ in range(2):  # the second answer comes from the page cache
        response = client.get(edition.get_absolute_url())
        assert response.status_code == 200
        policy = directives(response["Content-Security-Policy"])
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert policy["script-src"] == ["'self'"]
