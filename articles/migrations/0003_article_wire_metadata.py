"""Wire provenance kept on the article (agency times, subjects, editor's note) and starter
media-topic mappings, editable afterwards in the admin like the country mappings of 0002."""

from django.db import migrations, models

# IPTC media topics → tags. A small start; editors add rows in « Correspondances de sujets ».
MEDIA_TOPICS = [
    ("medtop:01000000", "culture"),
    ("medtop:02000000", "justice"),
    ("medtop:03000000", "catastrophes"),
    ("medtop:04000000", "économie"),
    ("medtop:06000000", "environnement"),
    ("medtop:07000000", "santé"),
    ("medtop:11000000", "politique"),
    ("medtop:13000000", "sciences"),
    ("medtop:14000000", "société"),
    ("medtop:15000000", "sport"),
    ("medtop:16000000", "conflits"),
    ("medtop:20000639", "diplomatie"),
]


def create_mappings(apps, schema_editor):
    SubjectMapping = apps.get_model("articles", "SubjectMapping")
    for qcode, tag in MEDIA_TOPICS:
        SubjectMapping.objects.get_or_create(qcode=qcode, defaults={"tag": tag})


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_reference_data")]

    operations = [
        migrations.AddField(
            model_name="article",
            name="wire_first_created",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="créée par l’agence le"),
        ),
        migrations.AddField(
            model_name="article",
            name="wire_version_created",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="version de l’agence du"),
        ),
        migrations.AddField(
            model_name="article",
            name="wire_meta",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="métadonnées de dépêche"),
        ),
        migrations.RunPython(create_mappings, migrations.RunPython.noop),
    ]
