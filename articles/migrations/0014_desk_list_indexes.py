"""Indexes for the desk's lists at scale: the article list newest first (every status) and its date
hierarchy's probes, and the « Fil AFP » list by the agency's version time. At a million stories the
article list sorted every story on each visit (1.3 s), the wire list every dispatch (1.0 s).
Building them takes a few seconds at a million stories (writes to the table wait meanwhile).
"""

from django.db import migrations, models

# SQLite accepts no NULLS LAST in an index (and its archives are small): PostgreSQL only, by SQL.
WIRE_CREATE = (
    "CREATE INDEX IF NOT EXISTS article_wire_idx ON articles_article (wire_version_created DESC NULLS LAST, id DESC)"
)
WIRE_DROP = "DROP INDEX IF EXISTS article_wire_idx"


def create_wire_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WIRE_CREATE)


def drop_wire_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WIRE_DROP)


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_related_tag_index")]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["-publish_at", "-id"], name="article_list_idx"),
        ),
        migrations.RunPython(create_wire_index, drop_wire_index),
    ]
