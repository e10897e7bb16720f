"""Database hooks the search index needs on SQLite, connected from ArticlesConfig.ready()."""

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def reinstall_sqlite_triggers(sender, using="default", **kwargs):
    """SQLite drops a table's triggers when a migration rebuilds it (most ALTERs on articles_article
    do): put them back after every migrate. Idempotent; the index rows themselves survive."""
    connection = connections[using]
    if connection.vendor != "sqlite" or sender.label != "articles":
        return
    from articles.search import sqlite

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [sqlite.TABLE])
        if cursor.fetchone() is None:  # not migrated this far yet
            return
    with connection.schema_editor() as schema_editor:
        sqlite.install(schema_editor)


def connect():
    from articles.search.sqlite import register_functions

    connection_created.connect(register_functions, dispatch_uid="articles-search-sqlite-functions")
    post_migrate.connect(reinstall_sqlite_triggers, dispatch_uid="articles-search-sqlite-triggers")
