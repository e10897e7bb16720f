"""Rebuild the search index from the articles (after a restore, a dictionary or tokenizer change)."""

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from articles.search import backend
from articles.search.query import forget_variants


class Command(BaseCommand):
    help = "Reconstruit l’index de recherche (et le vocabulaire des suggestions) à partir des articles."

    def handle(self, *args, **options):
        started = time.perf_counter()
        engine = backend()
        with connection.schema_editor() as schema_editor:
            engine.install(schema_editor)
        with transaction.atomic():
            count = engine.rebuild()
        forget_variants()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Index de recherche reconstruit : {count} articles en {elapsed:.1f} s.")
