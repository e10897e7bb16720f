"""« L’essentiel de l’Asie centrale », daily and weekly, which every installation starts with."""

from django.db import migrations

NEWSLETTERS = [
    # name, slug, frequency
    ("L’essentiel de l’Asie centrale", "essentiel-quotidien", "daily"),
    ("L’essentiel de l’Asie centrale", "essentiel-hebdomadaire", "weekly"),
]


def create(apps, schema_editor):
    Newsletter = apps.get_model("newsletter", "Newsletter")
    for name, slug, frequency in NEWSLETTERS:
        Newsletter.objects.get_or_create(slug=slug, defaults={"name": name, "frequency": frequency})


class Migration(migrations.Migration):
    dependencies = [("newsletter", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
