"""The settings contract: environment in, loud failure where production would be unsafe."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_django(code, **env):
    names = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SITE_URL", "ALLOWED_HOSTS"}
    environ = {k: v for k, v in os.environ.items() if k not in names}
    environ.update(env, DJANGO_SETTINGS_MODULE="newsroom.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_secret_when_debug_is_off():
    result = run_django("print('started')", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-with-enough-length-and-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "example.org",
    "SITE_URL": "https://example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/newsroom_x",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DATABASE_URL", "DATABASE_URL must be set"),
        ("SITE_URL", "SITE_URL must be set"),
    ],
)
def test_refuses_to_start_on_a_development_fallback_when_debug_is_off(missing, message):
    """No silent SQLite or 127.0.0.1 links in production (the default cache is shared: a file cache)."""
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django("print('started')", **environ)
    assert result.returncode != 0
    assert message in result.stderr
    assert "started" not in result.stdout


def test_starts_with_every_production_variable():
    result = run_django("from django.conf import settings as s; print(s.SITE_URL, s.DEBUG)", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://example.org", "False"]


def test_development_default_secret_only_while_debug():
    result = run_django("from django.conf import settings; print(settings.SECRET_KEY)", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("django-insecure-")


def test_database_url_and_defaults():
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], s.LANGUAGE_CODE, s.TIME_ZONE, s.USE_TZ)"
    )
    result = run_django(code, DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/newsroom_x")
    assert result.stdout.split() == ["django.db.backends.postgresql", "newsroom_x", "fr", "Europe/Paris", "True"]
    result = run_django(code, DEBUG="1")
    engine, name, *_ = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name.endswith("var/newsroom.sqlite3")


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    """On a fresh clone too: no var/ folder yet (the check opens the SQLite file)."""
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(
        VAR_DIR=str(tmp_path / "fresh-clone" / "var"),
        DEBUG="0",
        SECRET_KEY="a-production-like-secret-with-enough-length-and-entropy-0123456789abcdef",
        ALLOWED_HOSTS="example.org",
        SITE_URL="https://example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'fresh-clone' / 'var' / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:6379/0",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def redis_available():
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return False


PURGE_CODE = "from articles.pagecache import sequence; from articles.cache import purge_keys; {} print(sequence())"


def assert_purge_reaches_other_processes(**env):
    """A purge in one process changes the state every other process checks its cached pages against."""
    before = run_django(PURGE_CODE.format(""), DEBUG="1", **env)
    assert before.returncode == 0, before.stderr
    purged = run_django(PURGE_CODE.format("purge_keys(['article-1']);"), DEBUG="1", **env)
    after = run_django(PURGE_CODE.format(""), DEBUG="1", **env)
    assert purged.returncode == 0, purged.stderr
    assert purged.stdout != before.stdout
    assert after.stdout == purged.stdout


@pytest.mark.skipif(not os.environ.get("CI") and not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_purge_reaches_every_process_through_redis():
    assert_purge_reaches_other_processes(REDIS_URL=REDIS_URL)


def test_purge_reaches_every_process_without_redis(tmp_path):
    """The default cache (no REDIS_URL) is shared too: a command-line purge reaches the web processes."""
    assert_purge_reaches_other_processes(CACHE_DIR=str(tmp_path / "cache"))


def test_rotated_secret_key_keeps_signed_links_working():
    """SECRET_KEY_FALLBACKS: links signed with the previous key (newsletter, preview) still open."""
    code = (
        "from django.core import signing; from django.conf import settings as s;"
        "print(signing.Signer(salt='x').unsign(signing.Signer(key='ancienne-cle-' + 'x' * 50, salt='x').sign('ok')),"
        " len(s.SECRET_KEY_FALLBACKS))"
    )
    rotated = run_django(
        code, DEBUG="1", SECRET_KEY="nouvelle-cle-" + "y" * 50, SECRET_KEY_FALLBACKS="ancienne-cle-" + "x" * 50
    )
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.split() == ["ok", "1"]
    without = run_django(code, DEBUG="1", SECRET_KEY="nouvelle-cle-" + "y" * 50)
    assert "BadSignature" in without.stderr


@pytest.mark.django_db
def test_postgresql_prepares_repeated_queries_unless_told_not_to():
    # DATABASE_SERVER_SIDE_BINDING=1 once set only server-side binding, and Django then never prepares
    # (prepare_threshold unset): the setting measured nothing. Now on by default, and every statement
    # is still planned for its parameters unless a public page is being built (articles/plans.py).
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    code = (
        "from django.db import connection; c = connection.cursor();"
        "[c.execute('SELECT count(*) FROM pg_class WHERE relname = %s', ['pg_type']) for _ in range(7)];"
        "c.execute('SELECT count(*) FROM pg_prepared_statements'); print('prepared', c.fetchone()[0]);"
        "c.execute('SHOW plan_cache_mode'); print(c.fetchone()[0])"
    )
    url = connection.settings_dict  # the test database: the subprocess only reads catalogs
    url = f"postgres://{url['USER']}@{url['HOST']}:{url['PORT']}/{url['NAME']}"
    default = run_django(code, DEBUG="1", DATABASE_URL=url)
    off = run_django(code, DEBUG="1", DATABASE_URL=url, DATABASE_SERVER_SIDE_BINDING="0")
    assert default.stdout.split() == ["prepared", "1", "force_custom_plan"], default.stderr
    assert off.stdout.split() == ["prepared", "0", "auto"], off.stderr


def test_postgresql_connections_do_not_compile_queries_unless_told_to():
    # At a million stories the home page's query, on its generic plan, was estimated past
    # jit_above_cost: 19 ms compiling a query that runs in 0.2 ms (make bench-sql at a million).
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    code = "from django.db import connection; c = connection.cursor(); c.execute('SHOW jit'); print(c.fetchone()[0])"
    url = connection.settings_dict
    url = f"postgres://{url['USER']}@{url['HOST']}:{url['PORT']}/{url['NAME']}"
    for extra in ({}, {"DATABASE_SERVER_SIDE_BINDING": "0"}):
        result = run_django(code, DEBUG="1", DATABASE_URL=url, **extra)
        assert result.stdout.split() == ["off"], (extra, result.stderr)
    allowed = run_django(code, DEBUG="1", DATABASE_URL=url, DATABASE_JIT="1")
    assert allowed.stdout.split() == ["on"], allowed.stderr


def test_the_wsgi_application_freezes_what_start_up_loaded():
    # A full garbage collection walked every object start-up created (~90 ms in a warm worker); the
    # WSGI module freezes them, so the collector only walks what requests create.
    result = run_django("import gc, newsroom.wsgi; print(gc.get_freeze_count())", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 50_000
