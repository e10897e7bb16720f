"""Public pages under load: gunicorn (DEBUG off) on 127.0.0.1, wrk, uncached / cached / ceiling in one run.

    .venv/bin/python bench/bench_pages.py            # 100 000 stories (bench_perf), against 1 000 (bench_perf_1k)
    .venv/bin/python bench/bench_pages.py --duration 5 --small 0   # quicker, no flatness run
    .venv/bin/python bench/bench_pages.py --publish              # also: 64 connections on /, a publish every 5 s

Each database is created and filled with `generate_articles` when it holds fewer stories than asked
(PostgreSQL at BENCH_PG, default postgres://postgres@127.0.0.1:5432). For each page — home, an article,
a section, a tag page, an author page, RSS, the sitemap index and its newest month part (which grows
with the stories a month holds) — wrk measures it with the page cache off (every request built),
with it on (after one warming request), and the **ceiling**: a bare Django view, same gunicorn and
middleware, returning the very same bytes from memory. The servers run side by side and each page is
measured in rounds (uncached, cached, ceiling, and uncached on the small database for flatness,
back to back; --rounds, 3 by default): the median of each mode. One table: req/s, p50/p99 and the
share of the ceiling. Figures are measurements, never pass/fail (docs/benchmarks.md).
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "articles"))
from servers import free_port, stop, wait_for_port  # noqa: E402


def django_env(database, cache_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}}
    env.update(
        DATABASE_URL=f"{PG}/{database}",
        DEBUG="0",
        SECRET_KEY="bench-pages-secret-key-not-for-production-0123456789abcdef",  # noqa: S106
        ALLOWED_HOSTS="127.0.0.1",
        # DEBUG off requires an explicit public address (newsroom/settings.py refuses to guess).
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        CACHE_DIR=str(cache_dir),
        VAR_DIR=str(Path(cache_dir).parent / "var"),  # collected static files (the manifest DEBUG off needs)
        CONN_MAX_AGE="60",
        PYTHONPATH=f"{ROOT / 'bench'}:{ROOT}",
        DJANGO_SETTINGS_MODULE="pages_settings",
        **extra,
    )
    return env


def manage(env, *args):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)


def ensure_data(database, stories, env):
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], capture_output=True)
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")
    count = int(
        manage(
            env, "shell", "-v", "0", "-c", "from articles.models import Article; print(Article.objects.count())"
        ).stdout
    )
    if count < stories:
        print(f"generating {stories - count} stories in {database}…", flush=True)
        manage(env, "generate_articles", str(stories - count), "--seed", "7")
        # As autovacuum would (it may be off, as on this machine's PostgreSQL): loading the stories
        # then their tags leaves a dead row per story, and no statistics for the planner.
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "VACUUM ANALYZE", database], check=True)


def pick_pages(env):
    code = (
        "import json; from articles.models import Article, Author; from taggit.models import Tag;"
        # The newest story with tags (its related stories come from them), never a copy the publish
        # mode made: the same kind of page from one run to the next.
        "a = next(s for s in Article.objects.published().exclude(slug__startswith='bench-publie-')"
        ".select_related('section').prefetch_related('tags')[:50] if len(s.tags.all()) >= 2);"
        "au = Author.objects.filter(articles__isnull=False).first() or Author.objects.first();"
        "t = Tag.objects.get(slug='gaz'); m = a.publish_at;"
        "print(json.dumps({'home': '/', 'article': a.get_absolute_url(), 'section': a.section.get_absolute_url(),"
        "'tag': f'/mots-cles/{t.slug}/', 'author': au.get_absolute_url() if au else None, 'rss': '/rss/',"
        "'sitemap index': '/sitemap.xml', 'sitemap month': f'/sitemap-articles-{m.year:04}-{m.month:02}.xml'}))"
    )
    pages = json.loads(manage(env, "shell", "-v", "0", "-c", code).stdout)
    return {name: path for name, path in pages.items() if path}


class Gunicorn:
    def __init__(self, env, workers):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "newsroom.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for_port(self.port, process=self.process, timeout=60)

    def stop(self):
        stop(self.process)


def wrk(url, *, duration, connections):
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s", url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def latency(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\b", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if os.environ.get("BENCH_VERBOSE"):
        print(url, out, result.stderr, flush=True)
    return {"rate": rate, "p50": latency(50), "p99": latency(99), "errors": int(errors.group(1)) if errors else 0}


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - 127.0.0.1 only
        return response.headers.get("Content-Type"), response.read()


def median_of(runs):
    """The median of each figure over the runs; non-2xx responses added up."""
    result = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    result["errors"] = sum(run["errors"] for run in runs)
    return result


def measure(args, workdir):
    """Per page, `args.rounds` rounds of uncached, cached, ceiling and uncached on the small database,
    back to back; the median of each.

    The servers run side by side (idle but the one wrk loads), so the figures of a round are taken
    seconds apart: on a shared machine whose speed drifts, their ratios hold better than columns
    measured minutes apart. The flatness figure (uncached at 100 000 against 1 000) is one of them:
    measured in a second pass after the first, the small database came out slower than the large one
    in both runs of 4 Dec (ratios 1.2–1.7) on a machine whose speed drifted over the run.
    """
    env = django_env(args.database, Path(workdir) / f"cache-{args.database}")
    ensure_data(args.database, args.stories, env)
    pages = pick_pages(env)
    uncached_env = django_env(args.database, Path(workdir) / "off", BENCH_PAGE_CACHE="off")
    modes = {"uncached": Gunicorn(uncached_env, args.workers)}
    try:
        bodies = {name: fetch(modes["uncached"].url + path) for name, path in pages.items()}
        modes["cached"] = Gunicorn(env, args.workers)
        files = {}
        for name, (content_type, body) in bodies.items():
            file = Path(workdir) / f"{name}.body"
            file.write_bytes(body)
            files[pages[name]] = (content_type, str(file))
        ceiling_env = django_env(args.database, Path(workdir) / "ceiling", BENCH_CEILING=json.dumps(files))
        modes["ceiling"] = Gunicorn(ceiling_env, args.workers)
        paths = dict.fromkeys(modes, pages)
        if args.small:
            small_env = django_env(args.small_database, Path(workdir) / f"cache-{args.small_database}")
            ensure_data(args.small_database, args.small, small_env)
            paths["small"] = pick_pages(small_env)
            small_off = django_env(args.small_database, Path(workdir) / "small-off", BENCH_PAGE_CACHE="off")
            modes["small"] = Gunicorn(small_off, args.workers)
        runs = {}
        for name in pages:
            # Each server's copy of the page (the small database may have none, e.g. no author page).
            urls = {mode: server.url + paths[mode][name] for mode, server in modes.items() if paths[mode].get(name)}
            for url in urls.values():
                fetch(url)  # workers booted, the cached copy stored
            for _ in range(args.rounds):
                for mode, url in urls.items():
                    run = wrk(url, duration=args.duration, connections=args.connections)
                    runs.setdefault((name, mode), []).append(run)
        results = {key: median_of(value) for key, value in runs.items()}
    finally:
        for server in modes.values():
            server.stop()
    return pages, results


def publish_under_load(database, args, workdir):
    """64 connections on the home page while a story is published every 5 s: p99 and rebuilds."""
    cache_dir = Path(workdir) / f"cache-{database}"
    env = django_env(database, cache_dir)
    server = Gunicorn(env, args.workers)
    code = (
        "import time, sys; from django.utils import timezone; from articles.models import Article;"
        "from articles.cache import purge_article; from articles.pagecache import rebuild_count;"
        "template = Article.objects.published().first(); start = rebuild_count(); n = 0\n"
        "for line in sys.stdin:\n"
        "    if line == 'mark\\n': start = rebuild_count(); print(0, flush=True); continue\n"
        "    if line == 'count\\n': print(rebuild_count() - start, flush=True); continue\n"
        "    n += 1; a = Article.objects.get(pk=template.pk); a.pk = None; a.slug = f'bench-publie-{time.time_ns()}';"
        "    a.headline = f'Publié sous charge {n}'; a.publish_at = timezone.now(); a.wire_guid = ''; a.save();"
        "    purge_article(a); print(rebuild_count() - start, flush=True)\n"
        # The copies go once the run is over: the next run measures the same pages.
        "Article.objects.filter(slug__startswith='bench-publie-').delete()\n"
    )
    publisher = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        fetch(server.url + "/")
        baseline = wrk(server.url + "/", duration=args.duration, connections=64)
        # Rebuilds are counted from here: the warming request and the baseline's are not the publishes'.
        publisher.stdin.write("mark\n")
        publisher.stdin.flush()
        publisher.stdout.readline()
        stop_event = threading.Event()
        purges = []

        def publish():
            while not stop_event.wait(5):
                publisher.stdin.write("go\n")
                publisher.stdin.flush()
                purges.append(publisher.stdout.readline().strip())

        thread = threading.Thread(target=publish)
        thread.start()
        loaded = wrk(server.url + "/", duration=max(args.duration, 30), connections=64)
        stop_event.set()
        thread.join()
        time.sleep(1)
        publisher.stdin.write("count\n")
        publisher.stdin.flush()
        final = publisher.stdout.readline().strip()
        publisher.stdin.close()  # the publisher removes its copies and exits
        publisher.wait(timeout=60)
    finally:
        if publisher.poll() is None:
            publisher.send_signal(signal.SIGTERM)
            publisher.wait(timeout=10)
        server.stop()
    rebuilds = int(final) if final else None
    return baseline, loaded, len(purges), rebuilds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--database", default="bench_perf")
    parser.add_argument("--small", type=int, default=1_000, help="stories of the flatness run (0: none)")
    parser.add_argument("--small-database", default="bench_perf_1k")
    parser.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per page and mode (the median is shown)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--publish", action="store_true", help="also the publish-under-load mode")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"gunicorn {args.workers} sync workers, wrk -t2 -c{args.connections} -d{args.duration}s, "
          f"median of {args.rounds} rounds; "
          f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as workdir:
        pages, results = measure(args, workdir)
        print(f"\n{args.stories} stories ({args.database}); flatness: uncached at {args.small} ({args.small_database})")
        print(f"| page | uncached req/s | p50 / p99 ms | cached req/s | p50 / p99 ms | ceiling req/s | cached/ceiling "
              f"| uncached/ceiling | uncached at {args.small} | ratio |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in pages:
            u, c, z = results[(name, "uncached")], results[(name, "cached")], results[(name, "ceiling")]
            z = {**z, "rate": z["rate"] or float("nan")}
            s = results.get((name, "small"))
            flat = f"{s['rate']:.0f} | {u['rate'] / s['rate']:.2f}" if s else "— | —"
            print(f"| {name} | {u['rate']:.1f} | {u['p50']:.0f} / {u['p99']:.0f} | {c['rate']:.0f} | "
                  f"{c['p50']:.1f} / {c['p99']:.1f} | {z['rate']:.0f} | {c['rate'] / z['rate']:.0%} | "
                  f"{u['rate'] / z['rate']:.1%} | {flat} |")  # fmt: skip
            errors = u["errors"] + c["errors"] + z["errors"]
            if errors:
                print(f"  ({name}: {errors} non-2xx responses)")
        if args.publish:
            baseline, loaded, purges, rebuilds = publish_under_load(args.database, args, workdir)
            print(f"\npublish under load (home, 64 connections): cached p99 {baseline['p99']:.1f} ms "
                  f"({baseline['rate']:.0f} req/s); with a publish every 5 s: p99 {loaded['p99']:.1f} ms "
                  f"({loaded['rate']:.0f} req/s), {purges} publishes, {rebuilds} page rebuilds in all")  # fmt: skip
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
