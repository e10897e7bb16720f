"""Benchmark: build time and size of the sitemaps (index, largest monthly part, news, sections, tags,
authors) and of the feeds, uncached, at N stories — beside the ceiling measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_seo .venv/bin/python bench/bench_sitemaps.py

The database is migrated and filled with `generate_articles` up to N published stories when it holds
fewer (a dedicated bench database: never one whose data matters). Each URL is requested through Django's
test client (middleware, view, rendering) with the cache cleared before every request; the figure is the
median of --repeat runs. The ceiling is the bare fetch of the same rows (`values_list`, no rendering):
what any implementation must pay (« SQL alone »). Django's own sitemap framework building the same largest month is
measured too, for comparison. Prints figures; passes or fails nothing. Results: docs/benchmarks.md.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat):
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs), result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL bench database (e.g. …/bench_seo).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.contrib.sitemaps import Sitemap
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.template import loader
    from django.test import Client

    from articles import sitemaps
    from articles.models import Article

    call_command("migrate", verbosity=0)
    missing = args.stories - Article.objects.published().count()
    if missing > 0:
        print(f"generating {missing} stories…", flush=True)
        call_command("generate_articles", missing, seed=14)
    with connection.cursor() as cursor:
        # Fresh statistics and visibility map, as autovacuum leaves a live table (index-only scans).
        cursor.execute("VACUUM ANALYZE articles_article")

    client = Client()

    def get(url):
        def run():
            cache.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response.content

        return run

    months = sitemaps.months()

    def stories_in(month):
        start, end = sitemaps.month_bounds(month.year, month.month)
        return Article.objects.published().filter(publish_at__gte=start, publish_at__lt=end).count()

    largest = max((month.astimezone(dt.UTC) for month, _ in months), key=stories_in)
    month_url = f"/sitemap-articles-{largest.year}-{largest.month:02d}.xml"
    start, end = sitemaps.month_bounds(largest.year, largest.month)

    def month_rows():
        return list(
            Article.objects.published()
            .filter(publish_at__gte=start, publish_at__lt=end)
            .annotate(lastmod=sitemaps.last_change())
            .values_list("section__slug", "slug", "lastmod")
        )

    class DjangoMonth(Sitemap):
        def items(self):
            return (
                Article.objects.published()
                .filter(publish_at__gte=start, publish_at__lt=end)
                .select_related("section")
                .only("slug", "section__slug", "publish_at", "updated_at")
            )

        def location(self, item):
            return f"/{item.section.slug}/{item.slug}/"

        def lastmod(self, item):
            return item.last_changed

    def django_framework():
        site = type("Site", (), {"domain": "www.example.org"})()
        urls = DjangoMonth().get_urls(site=site, protocol="https")
        return loader.render_to_string("sitemap.xml", {"urlset": urls}).encode()

    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"{Article.objects.published().count()} published stories, {len(months)} months, "
        f"load average {os.getloadavg()[0]:.1f}, median of {args.repeat}"
    )
    print(f"{'what':<34} {'median':>9} {'best':>9} {'size':>10} {'URLs':>6}")
    rows = [
        ("index /sitemap.xml", get("/sitemap.xml")),
        (f"largest part {month_url}", get(month_url)),
        ("news /sitemap-news.xml", get("/sitemap-news.xml")),
        ("sections /sitemap-rubriques.xml", get("/sitemap-rubriques.xml")),
        ("tags /sitemap-mots-cles.xml", get("/sitemap-mots-cles.xml")),
        ("authors /sitemap-auteurs.xml", get("/sitemap-auteurs.xml")),
        ("RSS /rss/", get("/rss/")),
        ("Atom /atom/", get("/atom/")),
        ("SQL alone: index (months)", lambda: sitemaps.months()),
        ("SQL alone: largest part's rows", month_rows),
        ("Django sitemap framework, same month", django_framework),
    ]
    for label, fn in rows:
        median, best, result = timed(fn, args.repeat)
        if isinstance(result, bytes):
            size, count = f"{len(result) / 1024:.0f} KiB", result.count(b"<loc>")
        else:
            size, count = "—", len(result)
        print(f"{label:<34} {median * 1000:>7.0f}ms {best * 1000:>7.0f}ms {size:>10} {count:>6}")


if __name__ == "__main__":
    main()
