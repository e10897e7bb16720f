"""Load, and outages under load: wrk at 64 connections against gunicorn + PostgreSQL + Redis.

Long runs (`make reliability`; figures in docs/reliability.md). The module starts its own PostgreSQL
cluster and redis-server on free ports, fills the database with NEWSROOM_LOAD_ARTICLES stories
(100 000), and serves the production settings (DEBUG off) with gunicorn on 127.0.0.1. Traffic: the
home page, many article URLs, rubriques and tags, search when the site has it, and sign-up POSTs
(their per-address limit answers the intended 429s).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.servers import (
    PG_BIN,
    PostgresCluster,
    RedisServer,
    django_env,
    free_port,
    manage,
    port_open,
    spawn,
    stop_process,
    wait_until,
)

pytestmark = [pytest.mark.long, pytest.mark.skipif(PG_BIN is None, reason="PostgreSQL server binaries needed")]

ARTICLES = int(os.environ.get("NEWSROOM_LOAD_ARTICLES", "100000"))
SECONDS = int(os.environ.get("NEWSROOM_LOAD_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("NEWSROOM_LOAD_CONNECTIONS", "64"))
OUTAGE = 10  # seconds a server is stopped for, SECONDS // 4 into the run
LUA = Path(__file__).with_name("load.lua")
RESULTS = Path(os.environ.get("NEWSROOM_RELIABILITY_RESULTS", Path(__file__).resolve().parents[2] / "var/reliability"))

PATHS = """
import random
from articles.models import Article, Section
from django.urls import reverse
from taggit.models import Tag
rng = random.Random(1)
ids = list(Article.objects.published().values_list("pk", flat=True))
lines = ["GET /"] * 40
lines += [f"GET {a.get_absolute_url()}" for a in Article.objects.filter(pk__in=rng.sample(ids, min(3000, len(ids))))]
lines += [f"GET {s.get_absolute_url()}" for s in Section.objects.all()] * 5
lines += [f"GET /mots-cles/{t.slug}/" for t in Tag.objects.all()[:50]]
# Search (#13) with words of the generated corpus, a place-name variant and a word no story has.
search = reverse("articles:search")
words = ["gaz", "Astana", "uranium", "élections", "Tachkent", "eau", "projet énergie", "zzyzx"]
lines += [f"GET {search}?q={w}" for w in words] * 8
lines += ["SIGNUP /newsletter/"] * 60
rng.shuffle(lines)
from urllib.parse import quote
print("\\n".join(f"{m} {quote(p, safe='/?=&')}" for m, p in (line.split(" ", 1) for line in lines)))
"""
PENDING_TASKS = """
from django_tasks_db.models import DBTaskResult
print(DBTaskResult.objects.exclude(status__in=["SUCCESSFUL", "FAILED"]).count(),
      DBTaskResult.objects.filter(status="FAILED").count())
"""
SUBSCRIBERS = "from newsletter.models import Subscriber; print(Subscriber.objects.count())"


class Site:
    def __init__(self, tmp):
        self.tmp = tmp
        self.cluster = PostgresCluster()
        self.redis = RedisServer()
        self.port = free_port()
        self.gunicorn = self.worker = None

    def setup(self):
        self.cluster.start()
        self.cluster.createdb()
        self.redis.start()
        self.env = django_env(
            DEBUG="0",
            SECRET_KEY="load-test-secret-key-not-for-production-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=f"http://127.0.0.1:{self.port}",
            DATABASE_URL=self.cluster.url(),
            REDIS_URL=self.redis.url,
            VAR_DIR=str(self.tmp),
            CONN_MAX_AGE="60",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            SECURE_HSTS_SECONDS="0",
            EMAIL_BACKEND="newsroom.mail.DevelopmentEmailBackend",
            LOG_LEVEL="WARNING",
        )
        setup_env = {**self.env, "DEBUG": "1"}
        manage("migrate", "--no-input", "-v0", env=setup_env, timeout=600)
        manage("collectstatic", "--no-input", "-v0", env=self.env, timeout=300)
        started = time.monotonic()
        manage("generate_articles", str(ARTICLES), "--seed", "1", env=setup_env, timeout=1800)
        self.generate_seconds = time.monotonic() - started
        paths = manage("shell", "-v0", "-c", PATHS, env=self.env, timeout=300).stdout
        self.paths = self.tmp / "paths.txt"
        self.paths.write_text(paths)
        self.gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "4",
             "--timeout", "60", "--graceful-timeout", "5", "--error-logfile", str(self.tmp / "gunicorn.log")],
            cwd=Path(__file__).resolve().parents[2], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(lambda: port_open(self.port), timeout=60, what="gunicorn listening")
        self.worker = spawn("db_worker", "--queue-name", "*", "--no-reload", env=self.env, log=self.tmp / "worker.log")

    def wrk(self, seconds=SECONDS):
        return subprocess.Popen(
            ["wrk", "-t", "4", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s", "--latency",
             "-s", str(LUA), f"http://127.0.0.1:{self.port}"],
            env={**os.environ, "NEWSROOM_PATHS": str(self.paths)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip

    def teardown(self):
        for process in (self.worker, self.gunicorn):
            if process is not None:
                stop_process(process)
        self.redis.stop()
        self.cluster.destroy()


def result(process, timeout=SECONDS + 60):
    output, _ = process.communicate(timeout=timeout)
    line = next((line for line in output.splitlines() if line.startswith("NEWSROOM-RESULT ")), None)
    assert line, output
    data = json.loads(line.removeprefix("NEWSROOM-RESULT "))
    data["statuses"] = {int(k): v for k, v in data["statuses"].items()}
    data["timeline"] = {int(k): v for k, v in sorted(data["timeline"].items())}
    return data


def summary(name, data, **extra):
    statuses = data["statuses"]
    unintended = sum(n for status, n in statuses.items() if status >= 400 and status != 429)
    figures = {
        "scenario": name,
        "articles": ARTICLES,
        "connections": CONNECTIONS,
        "seconds": round(data["duration_us"] / 1e6, 1),
        "requests": data["requests"],
        "requests_per_second": round(data["requests"] / (data["duration_us"] / 1e6)),
        "statuses": dict(sorted(statuses.items())),
        "unintended_errors": unintended,
        "socket_errors": data["socket_errors"],
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        **extra,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, ensure_ascii=False))
    return figures


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("load"))
    try:
        site.setup()
        yield site
    finally:
        site.teardown()


def wait_for_queue(site, timeout=120):
    def drained():
        pending, _failed = manage("shell", "-v0", "-c", PENDING_TASKS, env=site.env, check=False).stdout.split() or [
            "?",
            "?",
        ]
        return pending == "0"

    wait_until(drained, timeout=timeout, interval=2, what="task queue drained")


def test_load_baseline(site):
    figures = summary("load", result(site.wrk()), generate_seconds=round(site.generate_seconds))
    assert figures["unintended_errors"] == 0
    assert figures["socket_errors"] == 0
    assert figures["statuses"].get(200, 0) > 0 and figures["statuses"].get(302, 0) > 0


def test_redis_stopped_during_load_gives_no_500(site):
    load = site.wrk()
    time.sleep(SECONDS // 4)
    stopped = time.time()
    site.redis.stop()
    time.sleep(OUTAGE)
    site.redis.start()
    data = result(load)
    figures = summary("redis-outage", data, outage_seconds=OUTAGE, stopped_at=round(stopped))
    assert figures["statuses"].get(500, 0) == 0


def test_postgresql_stopped_during_load_recovers(site):
    load = site.wrk()
    time.sleep(SECONDS // 4)
    stopped = time.time()  # before: connections start failing as soon as the shutdown begins
    site.cluster.stop()
    time.sleep(OUTAGE)
    site.cluster.start()
    restarted = time.time()
    data = result(load)
    errors = {second: err for second, (_ok, err, _429) in data["timeline"].items() if err}
    outside = {s: n for s, n in errors.items() if not (stopped - 1 <= s <= restarted + 5)}
    last_error = max(errors) if errors else None
    figures = summary(
        "postgresql-outage",
        data,
        outage_seconds=OUTAGE,
        error_seconds=sorted(s - int(stopped) for s in errors),
        recovered_after_restart_s=None if last_error is None else max(0, last_error + 1 - restarted),
    )
    assert outside == {}, f"errors outside the outage (seconds since stop): {outside}"
    # Workers are alive and the confirmations queued during the run are all sent, once each.
    assert site.worker.poll() is None, (site.tmp / "worker.log").read_text()[-3000:]
    assert site.gunicorn.poll() is None
    wait_for_queue(site)
    subscribers = int(manage("shell", "-v0", "-c", SUBSCRIBERS, env=site.env).stdout)
    emails = list((site.tmp / "mail").glob("*.eml"))
    assert len(emails) == subscribers
    print(f"postgresql outage: {subscribers} sign-ups, {len(emails)} confirmations sent; figures {figures}")
