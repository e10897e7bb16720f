"""A real CDN: Varnish with the repository's VCL (xkey) in front of the live site; withdrawals purge exactly."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from articles import wire
from articles.models import Article, Section
from tests.articles.newsml_factory import SAMPLES
from tests.articles.servers import VarnishServer
from tests.factories import make_article

# serialized_rollback: the flush after a transactional test would otherwise drop the reference rows.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
KZA07 = "urn:newsml:afp.com:20231019:TX-PAR-KZA07"
ROOT = Path(__file__).resolve().parents[2]


def month_part(when):
    when = timezone.localtime(when)
    return f"/sitemap-articles-{when.year:04}-{when.month:02}.xml"


@pytest.fixture
def varnish(live_server, settings, tmp_path):
    server = VarnishServer(tmp_path, backend_port=live_server.url.rsplit(":", 1)[1])
    settings.PAGE_PURGE_BACKENDS = [
        {"BACKEND": "articles.purge_backends.VarnishXkeyBackend", "OPTIONS": {"urls": [server.url]}}
    ]
    yield server
    server.stop()


def test_after_a_withdrawal_the_next_request_through_varnish_no_longer_shows_the_story(varnish):
    wire.ingest_file(SAMPLES / "afp_kazakhstan_v1.xml", auto_publish=True)
    # Published an hour ago (the sample is from 2023), so the news sitemap lists it too.
    Article.objects.filter(wire_guid=KZA07).update(publish_at=timezone.now() - timezone.timedelta(hours=1))
    dispatch = Article.objects.get(wire_guid=KZA07)
    tags = list(dispatch.tags.all())
    assert tags, "the sample dispatch carries keywords"
    bystander = make_article(headline="Récolte record à Samarcande", section=Section.objects.get(slug="ouzbekistan"))
    section = dispatch.section.get_absolute_url()
    showing = [
        dispatch.get_absolute_url(),
        "/",
        section,
        *(f"/mots-cles/{tag.slug}/" for tag in tags),
        "/rss/",
        f"/rss{section}",
        "/atom/",
        month_part(dispatch.publish_at),
        "/sitemap-news.xml",
    ]
    unrelated = [bystander.get_absolute_url(), "/ouzbekistan/"]
    for path in showing + unrelated:
        status, _, body = varnish.get(path)
        assert status == 200, path
        status, headers, body = varnish.get(path)
        assert headers.get("X-Cache") == "HIT", path  # Varnish keeps it
        assert dispatch.get_absolute_url() in body or dispatch.headline in body or path in unrelated, path

    wire.ingest_file(SAMPLES / "afp_kazakhstan_kill.xml")

    status, _, _ = varnish.get(dispatch.get_absolute_url())
    assert status == 404
    for path in showing[1:]:
        status, headers, body = varnish.get(path)
        assert status == 200, path
        assert dispatch.get_absolute_url() not in body and dispatch.headline not in body, path
    for path in unrelated:
        status, headers, body = varnish.get(path)
        assert headers.get("X-Cache") == "HIT", path  # an exact purge: the rest of the site stays cached
        assert bystander.headline in body, path


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the command's process needs a shared database")
def test_a_command_line_withdrawal_reaches_the_web_process_without_redis(client, settings, tmp_path):
    """The default cache is shared: `manage.py ingest_newsml` in its own process purges what the site serves."""
    settings.CACHES = {"default": {"BACKEND": "articles.filecache.FileCache", "LOCATION": str(tmp_path / "cache")}}
    wire.ingest_file(SAMPLES / "afp_kazakhstan_v1.xml", auto_publish=True)
    dispatch = Article.objects.get(wire_guid=KZA07)
    pages = ["/", dispatch.get_absolute_url(), dispatch.section.get_absolute_url(), "/rss/"]
    for url in pages:
        assert client.get(url).status_code == 200
    database = connection.settings_dict
    result = subprocess.run(
        [sys.executable, "manage.py", "ingest_newsml", str(SAMPLES / "afp_kazakhstan_kill.xml")],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "1",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "CACHE_DIR": str(tmp_path / "cache"),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert client.get(dispatch.get_absolute_url()).status_code == 404
    for url in pages[:1] + pages[2:]:
        assert dispatch.headline not in client.get(url).text, url
