"""Wire ingest benchmark: ingest N generated NewsML-G2 items, then re-ingest them all.

    .venv/bin/python bench/bench_wire.py [--items 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench .venv/bin/python bench/bench_wire.py

Uses a throwaway SQLite file unless DATABASE_URL names a (throwaway) database, which it migrates.
One file per item, as AFP delivers them. Prints items per second for the first ingest (every item
created: parse, sanitise, insert, tags, revision) and for the re-ingest (every item unchanged).
Figures are recorded in docs/benchmarks.md (« Wire ingest »).
"""

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTRIES = ["KZ", "UZ", "KG", "TJ", "TM", "FR"]
TOPICS = [
    ("medtop:11000000", "politique"),
    ("medtop:04000000", "économie, entreprises et finance"),
    ("medtop:06000000", "environnement"),
    ("medtop:20000639", "diplomatie"),
    ("afpdescription:Energy", "Énergie"),
]
PARAGRAPH = (
    "Le gouvernement a annoncé {n} mesures pour la région, a indiqué mardi un porte-parole interrogé par l’AFP, "
    "précisant que le financement serait assuré « en partie par des partenaires européens et asiatiques »."
)


def setup(tmp):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DEBUG", "0")  # no query log: measure the ingest, not the debug machinery
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-for-anything-else-0123456789")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(folder, count):
    from tests.articles.newsml_factory import news_item, write

    for n in range(count):
        item = news_item(
            guid=f"urn:newsml:afp.com:20240101:TX-BENCH-{n:06d}",
            headline=f"Dépêche de banc d’essai numéro {n}",
            slugline=f"Asie-centrale-banc-{n}",
            country=COUNTRIES[n % len(COUNTRIES)],
            subjects=(TOPICS[n % len(TOPICS)], TOPICS[(n + 2) % len(TOPICS)]),
            keywords=("Asie centrale", f"mot{n % 50}"),
            first_created=f"2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
            paragraphs=[PARAGRAPH.format(n=n + i) for i in range(8)],
        )
        write(folder / f"{n // 1000:02d}" / f"bench_{n:06d}.xml", item)


def run(folder):
    from articles import wire

    started = time.perf_counter()
    counts = Counter(r.outcome.value for r in wire.ingest_paths([folder], auto_publish=True))
    return counts, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-wire-") as tmp:
        tmp = Path(tmp)
        setup(tmp)
        from django.db import connection

        folder = tmp / "wire"
        started = time.perf_counter()
        generate(folder, args.items)
        size = sum(p.stat().st_size for p in folder.rglob("*.xml"))
        elapsed = time.perf_counter() - started
        print(f"generated {args.items} items ({size / args.items / 1024:.1f} KiB each) in {elapsed:.1f} s")
        print(f"database: {connection.vendor}")
        for label in ("first ingest", "re-ingest"):
            counts, elapsed = run(folder)
            print(f"{label:<13} {args.items / elapsed:8.0f} items/s  ({elapsed:.1f} s; {dict(counts)})")
        connection.close()


if __name__ == "__main__":
    main()
