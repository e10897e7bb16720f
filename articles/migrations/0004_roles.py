"""Editorial permissions on Article, and the three roles (groups) built from them."""

from django.db import migrations


def create_roles(apps, schema_editor):
    # The roles span articles and newsletter: newsroom/migrations/0001_roles.py creates them now.
    # Kept (as a no-op) so that databases which ran it and new ones share one history.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_article_wire_metadata"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
        ("taggit", "__latest__"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="article",
            options={
                "ordering": ["-publish_at", "-id"],
                "permissions": [
                    ("submit_article", "Peut soumettre un article à la relecture"),
                    ("change_any_article", "Peut modifier les articles des autres"),
                    ("publish_article", "Peut publier, programmer et renvoyer un article"),
                    ("unpublish_article", "Peut dépublier un article"),
                    ("correct_article", "Peut corriger un article publié"),
                ],
                "verbose_name": "article",
                "verbose_name_plural": "articles",
            },
        ),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
