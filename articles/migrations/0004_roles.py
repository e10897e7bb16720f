"""Editorial permissions on Article, and the three roles (groups) built from them."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from articles.roles import ensure_roles

    # Permissions are normally created after the whole migrate run; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_roles(group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"))


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
