"""EXPLAIN ANALYZE of every query each public page runs, on the database DATABASE_URL names (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_perf .venv/bin/python bench/explain_pages.py
    … --plans       # print each plan, not only the timings (what docs/site.md quotes)
    … --against postgres://postgres@127.0.0.1:5432/bench_perf_1k   # the flatness check (make bench-sql)

With --against, the same pages are explained on a second (small) database too, and the run fails
(exit status 1) when a page's SQL time on DATABASE_URL exceeds MAX_RATIO times its time on the small
one by more than FLOOR_MS (sub-millisecond figures vary by more than 3× from one try to the next).
A page may cost more in proportion to what it shows, not to the archive behind it: the allowance is
multiplied by the growth of the page's size (a month's sitemap part lists every story of its month,
and generate_articles spreads any number of stories over two years).

Pages are fetched through the test client with the page cache bypassed (a session-less client, the
cache emptied before each page), so every query runs. Per page: the number of queries and the sum of
their execution times as PostgreSQL reports them — the figure that must not grow with the archive.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DEBUG", "1")
# Client-side binding here: the captured SQL has its parameters inlined, ready for EXPLAIN. Execution times
# only (planning is what the site's prepared statements, the default on PostgreSQL, save).
os.environ["DATABASE_SERVER_SIDE_BINDING"] = "0"

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def page_urls():
    """The pages bench_pages.py measures, picked from the data: a recent story, its section, a busy tag…"""
    from articles.models import Article, Author

    article = Article.objects.published().select_related("section").first()
    tag = article.tags.first() if article else None
    author = Author.objects.first()
    month = article.publish_at
    urls = {"home": "/", "article": article.get_absolute_url(), "section": article.section.get_absolute_url()}
    # A story whose only tag no other story has (generated tags are all common): its « À lire aussi »
    # once walked the whole archive looking for a story sharing it.
    rare = Article.objects.published().order_by("-publish_at", "-id")[10]
    rare.tags.set(["Rogoun (banc d’essai)"])
    urls["article, rare tag"] = rare.get_absolute_url()
    if tag:
        urls["tag"] = f"/mots-cles/{tag.slug}/"
    if author:
        urls["author"] = author.get_absolute_url()
    urls.update(
        {
            "section page 5": f"{article.section.get_absolute_url()}?page=5",
            "section page 50": f"{article.section.get_absolute_url()}?page=50",
            "rss": "/rss/",
            "sitemap index": "/sitemap.xml",
            "sitemap month": f"/sitemap-articles-{month.year:04}-{month.month:02}.xml",
            "news sitemap": "/sitemap-news.xml",
            "corrections": "/corrections/",
        }
    )
    return urls


def explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


MAX_RATIO = 3.0
FLOOR_MS = 2.0
REPEAT = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", action="store_true")
    parser.add_argument("--against", help="a small database's URL: compare, fail when a page is not flat")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one line of figures, for --against
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("EXPLAIN ANALYZE figures are for PostgreSQL: set DATABASE_URL.")
    if args.against:
        sys.exit(compare(args.against))
    figures = measure(plans=args.plans, quiet=args.json)
    if args.json:
        print(json.dumps(figures))


def run_json(database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    result = subprocess.run([sys.executable, __file__, "--json"], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare(small_url):
    """Each page's SQL time here against the small database; 1 when one grows past the allowance."""
    large, small = run_json(os.environ["DATABASE_URL"]), run_json(small_url)
    print(f"{large['stories']} stories against {small['stories']}: SQL execution time per page (ms)")
    print("| page | queries | SQL at large | SQL at small | ratio | page size ratio | flat |")
    print("|---|---|---|---|---|---|---|")
    failed = []
    for name, (queries, milliseconds, status, size) in large["pages"].items():
        if name not in small["pages"] or small["pages"][name][2] != status:
            continue  # e.g. ?page=50 of a section: a 404 on the small database
        _, reference, _, small_size = small["pages"][name]
        grown = max(1.0, size / small_size) if small_size else 1.0
        flat = milliseconds <= max(MAX_RATIO * grown * reference, reference + FLOOR_MS)
        ratio = milliseconds / reference if reference else float("inf")
        verdict = "yes" if flat else "NO"
        print(f"| {name} | {queries} | {milliseconds:.2f} | {reference:.2f} | {ratio:.1f} | {grown:.1f} | {verdict} |")
        if not flat:
            failed.append(name)
    if failed:
        print(f"not flat (over {MAX_RATIO:g}× and {FLOOR_MS:g} ms more): {', '.join(failed)}")
        return 1
    return 0


def measure(*, plans=False, quiet=False):
    from articles.models import Article

    stories = Article.objects.published().count()
    if not quiet:
        print(f"{stories} published stories in {connection.settings_dict['NAME']}")
    figures = {"stories": stories, "pages": {}}
    client = Client()
    for name, url in page_urls().items():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, HTTP_HOST="127.0.0.1")
        status = response.status_code
        statements = [
            query["sql"]
            for query in ctx.captured_queries
            if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
        ]
        # Best of REPEAT: one EXPLAIN ANALYZE varies with whatever else the machine does.
        total, explained = float("inf"), []
        for _ in range(REPEAT):
            run = []
            for sql in statements:  # the captured SQL has its parameters inlined already
                plan = explain(sql, None)
                run.append((float(re.search(r"Execution Time: ([\d.]+) ms", plan[-1]).group(1)), sql, plan))
            if sum(item[0] for item in run) < total:
                total, explained = sum(item[0] for item in run), run
        total = total if statements else 0.0
        figures["pages"][name] = (len(ctx.captured_queries), total, status, len(response.content))
        if quiet:
            continue
        print(f"{name:16} {url:60} HTTP {status}  {len(ctx.captured_queries):2} queries  SQL {total:8.2f} ms")
        if plans:
            for milliseconds, sql, plan in sorted(explained, reverse=True)[:2]:
                print(f"    -- {milliseconds:.2f} ms: {sql[:300]}")
                print("\n".join(f"    {line}" for line in plan))
    return figures


if __name__ == "__main__":
    main()
