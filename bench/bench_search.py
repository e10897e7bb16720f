"""Search benchmark: p50/p99 latency of the whole /recherche/ page at 1 000 and 100 000 articles.

    .venv/bin/python bench/bench_search.py                      # 1 000 and 100 000 articles, PostgreSQL
    .venv/bin/python bench/bench_search.py --sizes 1000         # quicker
    BENCH_SEARCH_SQLITE=1 .venv/bin/python bench/bench_search.py --sizes 1000 10000   # SQLite files instead

Each size gets its own database, kept between runs (bench_search_<size> on the local PostgreSQL,
generated once with `generate_articles --seed 13`, vacuumed before each run; drop them with --drop).
200 queries of 1–3 words are drawn (seeded) from the generator's vocabulary, with place-name variants (« Nur-Sultan »,
« Tashkent ») and words no story contains (so the no-result page, with its suggestion and latest
stories, is measured too). Each query is requested through Django's test client — the whole stack:
middleware, view, engine, template — with the page cache off (PAGE_CACHE_SECONDS=0 and
PAGE_STALE_SECONDS=0), at concurrency 1 and then from 8 threads. The home page, measured the same
way in the same run, is the ceiling the search page is compared with. Figures go to docs/benchmarks.md (« Search »).
"""

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
QUERIES = 200
VOCABULARY = (
    "gouvernement président parlement banque centrale éleveurs étudiants délégation européenne autorités"
    " ministère énergie agriculteurs annonce prépare dévoile relance reporte signe défend conteste accélère"
    " inaugure plan eau réforme retraites accord gazier corridor ferroviaire construction centrale programme"
    " bourses partenariat union modernisation réseaux électriques forum matières premières festival musique"
    " traditionnelle Astana Almaty Tachkent Samarcande Bichkek Och Douchanbé Achgabat discussions semaines"
    " observateurs importance projet région associations transparence calendrier financement stratégie"
    " diversification habitants retombées emploi Kazakhstan Ouzbékistan Kirghizistan uranium climat"
)
WORDS = VOCABULARY.split()
VARIANTS = ["Nur-Sultan", "Tashkent", "Bishkek", "Alma-Ata", "Dushanbe", "Ashgabat", "Samarkand", "Osh", "Kyrgyzstan"]
NO_MATCH = ["zorglub", "Tokaev", "Ouzbekistant", "xylophone", "Rogoun", "pétanque"]


def queries(count=QUERIES, seed=13):
    rng = random.Random(seed)
    result = []
    for n in range(count):
        words = rng.sample(WORDS, rng.randint(1, 3))
        if n % 10 == 3:
            words[0] = rng.choice(VARIANTS)
        elif n % 10 == 7:
            words[-1] = rng.choice(NO_MATCH)
        result.append(" ".join(words))
    return result


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def measure(client_factory, paths, concurrency):
    """Latencies (ms) of GET `paths`, spread over `concurrency` threads, each with its own client."""
    latencies, errors, lock = [], [], threading.Lock()
    chunks = [paths[i::concurrency] for i in range(concurrency)]

    def worker(chunk):
        from django.db import connection

        client = client_factory()
        for path in chunk:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if response.status_code != 200:
                    errors.append((path, response.status_code))
        connection.close()

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "rps": len(latencies) / wall,
        "errors": len(errors),
    }


def run_size(size):
    """In a child process: set up the database for `size`, then measure; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-used-for-anything-else-0123456789",  # noqa: S106
        ALLOWED_HOSTS="testserver",
        # DEBUG off requires an explicit public address (newsroom/settings.py refuses to guess).
        SITE_URL="https://www.example.org",
        SECURE_SSL_REDIRECT="0",
        PAGE_CACHE_SECONDS="0",
        PAGE_STALE_SECONDS="0",  # no stale copy served while a page is rebuilt
        LOG_LEVEL="ERROR",
        # Production settings serve hashed static files: collected once into this folder.
        VAR_DIR=str(ROOT / "var" / "bench-search"),
    )
    if os.environ.get("BENCH_SEARCH_SQLITE"):
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench-search' / f'bench_search_{size}.sqlite3'}"
    else:
        name = f"bench_search_{size}"
        exists = subprocess.run(
            ["psql", f"{PG}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],  # noqa: S608
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        os.environ["DATABASE_URL"] = f"{PG}/{name}"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles.models import Article
    from articles.search import backend

    # A cache folder left by earlier runs would make every cache write slower (the file cache lists
    # its folder on each write): start empty, as the first run did.
    shutil.rmtree(ROOT / "var" / "bench-search" / "cache", ignore_errors=True)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    present = Article.objects.count()
    if present < size:
        from articles.management.commands.generate_articles import generate

        started = time.perf_counter()
        generate(size - present, seed=13)
        print(f"  generated {size - present} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        # What autovacuum does on a real server (it is off on the CI PostgreSQL here): the load leaves
        # one dead row per story (its tags rewrite the vector) and no visibility map, which doubles the
        # pages every search reads. Nearly free once done.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) articles_article, taggit_taggeditem, taggit_tag, articles_searchterm")
    engine = backend().__name__.rsplit(".", 1)[1]
    connection.close()

    from urllib.parse import urlencode

    paths = [f"/recherche/?{urlencode({'q': q})}" for q in queries()]
    home = ["/"] * 50
    measure(Client, paths[:20] + home[:5], 1)  # warm-up: connections, templates, planner caches
    # As newsroom/wsgi.py does at start-up: what is alive now (modules, templates, caches) leaves the
    # collector's generations, so a full collection no longer walks it (~90 ms every ~200 requests in
    # a warm process). Here after the warm-up, so what the warm-up built is frozen too.
    gc.collect()
    gc.freeze()
    result = {"size": Article.objects.count(), "engine": engine, "vendor": connection.vendor}
    for concurrency in (1, 8):
        result[f"search_c{concurrency}"] = measure(Client, paths, concurrency)
        result[f"home_c{concurrency}"] = measure(Client, home, concurrency)
    print(json.dumps(result))


def drop(sizes):
    for size in sizes:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", f"bench_search_{size}"], check=True
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--drop", action="store_true", help="drop the benchmark databases and stop")
    args = parser.parse_args()
    if args.child:
        return run_size(args.child)
    if args.drop:
        return drop(args.sizes)
    print(f"Search page, {QUERIES} queries, page cache off; load average {os.getloadavg()[0]:.1f} at start")
    print("| articles | engine | concurrency | search p50 | search p99 | search req/s | home p50 | home p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=False
        )
        if output.returncode != 0:
            print(output.stderr, file=sys.stderr)
            return output.returncode
        sys.stderr.write(output.stderr)
        r = json.loads(output.stdout.strip().splitlines()[-1])
        for c in (1, 8):
            s, h = r[f"search_c{c}"], r[f"home_c{c}"]
            errors = f" ({s['errors']} errors)" if s["errors"] else ""
            print(
                f"| {r['size']:,} | {r['vendor']} | {c} | {s['p50']:.1f} ms | {s['p99']:.1f} ms{errors}"
                f" | {s['rps']:.0f} | {h['p50']:.1f} ms | {h['p99']:.1f} ms |"
            )
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
