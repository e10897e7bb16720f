"""Sources, sections and wire country mappings every installation starts with (editable afterwards)."""

from django.db import migrations

SOURCES = [
    # name, slug, is_agency, credit
    ("Rédaction", "redaction", False, ""),
    ("AFP", "afp", True, "AFP"),
]

SECTIONS = [
    # name, slug, order, on_home, ISO country code
    ("Kazakhstan", "kazakhstan", 10, True, "KZ"),
    ("Ouzbékistan", "ouzbekistan", 20, True, "UZ"),
    ("Kirghizistan", "kirghizistan", 30, True, "KG"),
    ("Tadjikistan", "tadjikistan", 40, True, "TJ"),
    ("Turkménistan", "turkmenistan", 50, True, "TM"),
    ("Asie centrale", "asie-centrale", 60, True, ""),
    ("Europe", "europe", 70, True, ""),
    ("Monde", "monde", 80, False, ""),
]


def create(apps, schema_editor):
    Source = apps.get_model("articles", "Source")
    Section = apps.get_model("articles", "Section")
    SubjectMapping = apps.get_model("articles", "SubjectMapping")
    for name, slug, is_agency, credit in SOURCES:
        Source.objects.get_or_create(slug=slug, defaults={"name": name, "is_agency": is_agency, "credit": credit})
    for name, slug, order, on_home, code in SECTIONS:
        section, _ = Section.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order, "on_home": on_home, "country_code": code}
        )
        if code:
            SubjectMapping.objects.get_or_create(qcode=f"iso3166-1a2:{code}", defaults={"section": section})


class Migration(migrations.Migration):
    dependencies = [("articles", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
