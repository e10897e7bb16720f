"""Benchmark: 200 concurrent pollers (wrk + Lua sending the ETag) on one direct while an entry is posted
every 10 s, on gunicorn + PostgreSQL + Redis, all on 127.0.0.1 and free ports.

    .venv/bin/python bench/bench_live.py [--connections 200] [--seconds 40] [--interval 10]

Creates the database bench_live (dropped at the end), serves it with gunicorn on a free port (cache:
Redis db 7, own key prefix), and prints: the ceiling (the same endpoint, pure 304s, nothing posted),
then polls/s, p99 latency, share answered 304, payload builds per new entry, and the time from the
commit of each entry to the first poll that returns it (a probe polls every 50 ms; a reader polling
every LIVE_POLL_SECONDS sees it within that interval plus this delay). Passes or fails nothing.
Results and conditions: docs/benchmarks.md ("Live coverage").
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB = "bench_live"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")

LUA = r"""
local etag = nil
request = function()
  if etag then return wrk.format("GET", nil, {["If-None-Match"] = etag}) end
  return wrk.format("GET")
end
response = function(status, headers, body)
  if headers["ETag"] then etag = headers["ETag"] end
end
done = function(summary, latency, requests)
  io.write(string.format("P99_US %d\n", latency:percentile(99)))
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(port):
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "bench-live-only-a-long-enough-secret-key-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": REDIS,
        "CACHE_KEY_PREFIX": f"bench-live-{os.getpid()}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    }


def setup_django(env):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from articles import live
    from articles.models import Article, Section, Source
    from articles.roles import EDITOR

    call_command("migrate", verbosity=0)
    editor = get_user_model().objects.create_user("bench-editor", password=None, is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITOR))
    article = Article.objects.create(
        headline="Direct du banc d’essai",
        section=Section.objects.get(slug="kirghizistan"),
        source=Source.objects.get(slug="redaction"),
        body="<p>Le direct du benchmark.</p>",
        status=Article.Status.PUBLISHED,
    )
    direct = live.open_live(article=article, user=editor, summary="<ul><li>Banc d’essai</li></ul>")
    for n in range(30):
        live.post_entry(live=direct, user=editor, body=f"Entrée initiale {n} : " + "texte " * 40)
    return direct, editor


def wrk(url, *, connections, seconds, script):
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = int(re.search(r"P99_US (\d+)", out).group(1)) / 1000
    return {"rps": rps, "total": total, "p99_ms": p99, "errors": int(non_2xx.group(1)) if non_2xx else 0, "raw": out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB], check=True)
    port = free_port()
    env = env_for(port)
    setup_django(env)
    direct, editor = prepare()
    from django.core.cache import cache

    from articles import live, live_cache

    log = Path(tempfile.mkdtemp(prefix="bench-live-")) / "access.log"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "newsroom.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(s)s",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/direct/{direct.pk}.json"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        script = Path(log.parent / "poll.lua")
        script.write_text(LUA)

        # Ceiling: the same endpoint and pollers, nothing posted (every answer after the first is a 304).
        ceiling = wrk(url, connections=args.connections, seconds=min(15, args.seconds), script=str(script))
        log.write_text("")

        builds_before = cache.get(live_cache.builds_key(direct.pk)) or 0
        delays, stop = [], threading.Event()

        def poster():
            n = 0
            while not stop.wait(args.interval):
                n += 1
                marker = f"Entrée du banc {n}"
                entry = live.post_entry(live=direct, user=editor, body=marker)
                committed = time.monotonic()
                while time.monotonic() - committed < 30:
                    body = urllib.request.urlopen(url, timeout=5).read().decode()
                    if f'"id": {entry.pk},' in body or f'"id":{entry.pk},' in body:
                        delays.append(time.monotonic() - committed)
                        break
                    time.sleep(0.05)

        thread = threading.Thread(target=poster, daemon=True)
        thread.start()
        loaded = wrk(url, connections=args.connections, seconds=args.seconds, script=str(script))
        stop.set()
        thread.join(35)
        builds = (cache.get(live_cache.builds_key(direct.pk)) or 0) - builds_before
        statuses = log.read_text().split()
        share_304 = statuses.count("304") / len(statuses) if statuses else 0.0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DB], check=False)

    print(
        f"gunicorn {args.workers} sync workers, PostgreSQL, Redis cache; wrk 2 threads, {args.connections} connections"
    )
    print(f"ceiling (no posting, pure 304): {ceiling['rps']:.0f} polls/s, p99 {ceiling['p99_ms']:.1f} ms")
    print(
        f"with an entry every {args.interval:.0f} s for {args.seconds} s: {loaded['rps']:.0f} polls/s "
        f"({loaded['rps'] / ceiling['rps']:.0%} of the ceiling), p99 {loaded['p99_ms']:.1f} ms, "
        f"304: {share_304:.1%} of {len(statuses)} answers, errors {loaded['errors']}"
    )
    print(f"entries posted: {len(delays)}, payload builds: {builds} (target: at most one per entry)")
    if delays:
        print(
            "commit → first poll serving the entry: "
            + ", ".join(f"{d * 1000:.0f} ms" for d in delays)
            + f"; a reader polling every 20 s sees it within 20 s + {max(delays):.2f} s"
        )
    print(
        json.dumps(
            {
                "ceiling": ceiling["rps"],
                "loaded": loaded["rps"],
                "p99_ms": loaded["p99_ms"],
                "share_304": share_304,
                "builds": builds,
                "delays_s": delays,
            }
        )
    )


if __name__ == "__main__":
    main()
