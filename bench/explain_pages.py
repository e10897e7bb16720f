"""EXPLAIN ANALYZE of every query each public page runs, on the database DATABASE_URL names (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_perf .venv/bin/python bench/explain_pages.py
    … --plans       # print each plan, not only the timings (what docs/site.md quotes)

Pages are fetched through the test client with the page cache bypassed (a session-less client, the
cache emptied before each page), so every query runs. Per page: the number of queries and the sum of
their execution times as PostgreSQL reports them — the figure that must not grow with the archive.
"""

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DEBUG", "1")

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
    if tag:
        urls["tag"] = f"/mots-cles/{tag.slug}/"
    if author:
        urls["author"] = author.get_absolute_url()
    urls.update(
        {
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("EXPLAIN ANALYZE figures are for PostgreSQL: set DATABASE_URL.")
    from articles.models import Article

    print(f"{Article.objects.published().count()} published stories in {connection.settings_dict['NAME']}")
    client = Client()
    for name, url in page_urls().items():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url, HTTP_HOST="127.0.0.1").status_code
        total, plans = 0.0, []
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            # The captured SQL has its parameters inlined already.
            plan = explain(sql, None)
            milliseconds = float(re.search(r"Execution Time: ([\d.]+) ms", plan[-1]).group(1))
            total += milliseconds
            plans.append((milliseconds, sql, plan))
        print(f"{name:16} {url:60} HTTP {status}  {len(ctx.captured_queries):2} queries  SQL {total:8.2f} ms")
        if args.plans:
            for milliseconds, sql, plan in sorted(plans, reverse=True)[:2]:
                print(f"    -- {milliseconds:.2f} ms: {sql[:300]}")
                print("\n".join(f"    {line}" for line in plan))


if __name__ == "__main__":
    main()
