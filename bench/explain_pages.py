"""EXPLAIN ANALYZE of every query each public page runs, on the database DATABASE_URL names (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_perf .venv/bin/python bench/explain_pages.py
    … --plans       # print each plan, not only the timings (what docs/site.md quotes)
    … --against postgres://postgres@127.0.0.1:5432/bench_perf_1k   # the flatness check (make bench-sql)
    … --generic     # each query as a prepared statement on PostgreSQL's generic plan (make bench-sql)

With --against, the same pages are explained on a second (small) database too, and the run fails
(exit status 1) when a page's SQL time on DATABASE_URL exceeds MAX_RATIO times its time on the small
one by more than FLOOR_MS (sub-millisecond figures vary by more than 3× from one try to the next).
A page may cost more in proportion to what it shows, not to the archive behind it: the allowance is
multiplied by the growth of what the page shows (allowance()). That is its size for most pages (a
month's sitemap part lists every story of its month, and generate_articles spreads any number of
stories over two years), and for a search page the stories it ranks: it reads the newest matches up
to MAX_RESULTS + 1 whatever page it shows, so it ranks all 59 matches of « climat financement » at
1 000 stories and the newest 201 of thousands at 100 000 (« Plus de 200 résultats »). Once both
databases hold that many matches, the allowance is 1: compare 100 000 with a million for the bound.

With --generic, each query runs as a prepared statement (PREPARE … AS the query with $n parameters,
then EXPLAIN ANALYZE EXECUTE) twice: under plan_cache_mode = force_custom_plan (planned for its
parameters) and force_generic_plan (the one plan PostgreSQL may keep for every parameter once a
connection has run the statement five times, as the site's prepared statements do). The run fails
when a public page's generic plans cost more than MAX_RATIO times its custom ones by more than
FLOOR_MS: a query whose generic plan is pathological for some parameter (a rare tag) must be rewritten
first. The desk's lists are shown too (a staff client): they always run on custom plans, and their
figures say why (a list of 3 drafts among 100 000 stories, generic: 285 ms against 0.07).

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

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DEBUG", "1")
    # Client-side binding here: the captured SQL has its parameters inlined, ready for EXPLAIN. Execution
    # times only (planning is what the site's prepared statements, the default on PostgreSQL, save).
    os.environ["DATABASE_SERVER_SIDE_BINDING"] = "0"

    import django
    from django.test.utils import setup_test_environment

    django.setup()
    setup_test_environment()  # responses carry their template context: what a search page ranked

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve


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
    urls["tag, rare"] = f"/mots-cles/{rare.tags.get().slug}/"
    urls["tag feed, rare"] = f"/rss/mots-cles/{rare.tags.get().slug}/"
    # Likewise an author with one story (generated stories have no authors).
    lone, _ = Author.objects.get_or_create(slug="autrice-banc-essai", defaults={"name": "Autrice (banc d’essai)"})
    rare.authors.set([lone])
    urls["author, one story"] = lone.get_absolute_url()
    urls["author feed, one story"] = f"/rss/auteurs/{lone.slug}/"
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
            "search, common words": "/recherche/?q=climat+financement",
            "search, rare word": "/recherche/?q=Rogoun",
            "search, no match": "/recherche/?q=zorglub",
        }
    )
    return urls


def admin_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="banc-essai", defaults={"is_staff": True, "is_superuser": True, "email": "banc@example.org"}
    )
    return user


def admin_urls():
    """The desk's lists, where a status is as skewed as a tag: a few drafts among every published story."""
    from articles.models import Article

    for n in range(3 - Article.objects.filter(status=Article.Status.DRAFT).count()):
        story = Article.objects.published().order_by("-publish_at", "-id")[20 + n]
        Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
    return {
        "admin: articles": "/admin/articles/article/",
        "admin: drafts": "/admin/articles/article/?etat=draft",
        "admin: submitted": "/admin/articles/article/?etat=submitted",
        "admin: search": "/admin/articles/article/?q=Rogoun",
        "admin: wire": "/admin/articles/wiredispatch/",
    }


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
    parser.add_argument("--generic", action="store_true", help="custom against generic plans of prepared statements")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one line of figures, for --against
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("EXPLAIN ANALYZE figures are for PostgreSQL: set DATABASE_URL.")
    if args.against:
        sys.exit(compare(args.against))
    if args.generic:
        sys.exit(generic_plans(plans=args.plans))
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
    print("| page | queries | SQL at large | SQL at small | ratio | shown ratio | flat |")
    print("|---|---|---|---|---|---|---|")
    failed = []
    for name, page in large["pages"].items():
        queries, milliseconds, status = page[:3]
        if name not in small["pages"] or small["pages"][name][2] != status:
            continue  # e.g. ?page=50 of a section: a 404 on the small database
        reference = small["pages"][name][1]
        grown = growth(page, small["pages"][name])
        flat = milliseconds <= allowance(reference, grown)
        ratio = milliseconds / reference if reference else float("inf")
        verdict = "yes" if flat else "NO"
        print(f"| {name} | {queries} | {milliseconds:.2f} | {reference:.2f} | {ratio:.1f} | {grown:.1f} | {verdict} |")
        if not flat:
            failed.append(name)
    if failed:
        print(f"not flat (over {MAX_RATIO:g}× and {FLOOR_MS:g} ms more): {', '.join(failed)}")
        return 1
    return 0


def growth(large, small):
    """How much more the page shows on the large database: (queries, ms, status, bytes, ranked) each.
    Bytes, or for a search page the stories it ranked when that grew more (None elsewhere)."""
    grown = [1.0]
    if small[3]:
        grown.append(large[3] / small[3])
    if large[4] is not None and small[4]:
        grown.append(large[4] / small[4])
    return max(grown)


def allowance(reference, grown):
    """The most a page may take (ms) on the large database, given its time on the small one."""
    return max(MAX_RATIO * grown * reference, reference + FLOOR_MS)


def ranked(response):
    """The stories a search page ranked: its count, one more when there were more (None elsewhere)."""
    context = response.context
    if context is None or "total" not in context or "query" not in context:
        return None
    return context["total"] + (1 if context.get("more") else 0)


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
                run.append((execution_ms(plan), sql, plan))
            if sum(item[0] for item in run) < total:
                total, explained = sum(item[0] for item in run), run
        total = total if statements else 0.0
        figures["pages"][name] = (len(ctx.captured_queries), total, status, len(response.content), ranked(response))
        if quiet:
            continue
        print(f"{name:16} {url:60} HTTP {status}  {len(ctx.captured_queries):2} queries  SQL {total:8.2f} ms")
        if plans:
            for milliseconds, sql, plan in sorted(explained, reverse=True)[:2]:
                print(f"    -- {milliseconds:.2f} ms: {sql[:300]}")
                print("\n".join(f"    {line}" for line in plan))
    return figures


def to_dollars(sql, params):
    """Django's placeholders (%s, or %(name)s with a dict) as PostgreSQL's $1, $2…, and the values in
    that order ('%%' is a literal %)."""
    values, named = [], {}

    def number(match):
        if match.group() == "%%":
            return "%"
        name = match.group(1)
        if name is None:
            values.append(params[len(values)])
            return f"${len(values)}"
        if name not in named:
            values.append(params[name])
            named[name] = len(values)
        return f"${named[name]}"

    return re.sub(r"%%|%\((\w+)\)s|%s", number, sql), values


def execution_ms(plan):
    return float(re.search(r"Execution Time: ([\d.]+) ms", plan[-1]).group(1))


def run_prepared(sql, params, mode):
    """EXPLAIN ANALYZE of `sql` prepared, executed with `params` under plan_cache_mode = `mode`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET plan_cache_mode = {mode}")
        statement, params = to_dollars(sql, params)
        cursor.execute(f"PREPARE bench_statement AS {statement}")
        try:
            arguments = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN (ANALYZE) EXECUTE bench_statement({arguments})" if params else
                           "EXPLAIN (ANALYZE) EXECUTE bench_statement", params or None)  # fmt: skip
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.execute("DEALLOCATE bench_statement")
            cursor.execute("RESET plan_cache_mode")


def best_run(sql, params, mode):
    """The fastest of REPEAT prepared runs under `mode`: (milliseconds, its plan)."""
    return min(((execution_ms(plan), plan) for plan in (run_prepared(sql, params, mode) for _ in range(REPEAT))),
               key=lambda run: run[0])  # fmt: skip


def generic_plans(*, plans=False):
    """Each page's SQL on custom against generic plans; 1 when a page's generic plans are pathological."""
    statements = []

    def capture(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and not many:
            statements.append((sql, dict(params) if isinstance(params, dict) else list(params or ())))
        return execute(sql, params, many, context)

    from articles.models import Article

    print(f"{Article.objects.published().count()} published stories in {connection.settings_dict['NAME']}: "
          "prepared statements, execution time per page (ms), best of 3")  # fmt: skip
    print("| page | queries | custom plans | generic plans | ratio | worst query, generic / custom | safe |")
    print("|---|---|---|---|---|---|---|")
    client, failed = Client(), []
    staff = Client()
    staff.force_login(admin_user())
    pages = {**{name: (client, url) for name, url in page_urls().items()},
             **{name: (staff, url) for name, url in admin_urls().items()}}  # fmt: skip
    for name, (who, url) in pages.items():
        cache.clear()
        statements.clear()
        with connection.execute_wrapper(capture):
            who.get(url, HTTP_HOST="127.0.0.1")
        custom_total = generic_total = 0.0
        worst = (0.0, 0.0, 0.0, "", None)
        for sql, params in statements:
            custom, _ = best_run(sql, params, "force_custom_plan")
            generic, generic_plan = best_run(sql, params, "force_generic_plan")
            custom_total, generic_total = custom_total + custom, generic_total + generic
            if generic - custom > worst[0]:
                worst = (generic - custom, generic, custom, sql, generic_plan)
        safe = generic_total <= max(MAX_RATIO * custom_total, custom_total + FLOOR_MS)
        ratio = generic_total / custom_total if custom_total else 1.0
        # The desk's pages, and public views marked plans.custom_plans (search), never run on generic
        # plans (articles/plans.py): shown for why, not checked.
        public = who is client and not getattr(resolve(url.split("?")[0]).func, "custom_plans", False)
        verdict = "yes" if safe else "NO" if public else "no (never generic)"
        print(f"| {name} | {len(statements)} | {custom_total:.2f} | {generic_total:.2f} | {ratio:.1f} | "
              f"{worst[1]:.2f} / {worst[2]:.2f} | {verdict} |")  # fmt: skip
        if not safe and public:
            failed.append(name)
        if plans or (public and not safe):
            print(f"    -- worst: {worst[3][:400]}")
            print("\n".join(f"    {line}" for line in worst[4] or []))
    if failed:
        print(f"generic plans over {MAX_RATIO:g}× and {FLOOR_MS:g} ms more: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    main()
