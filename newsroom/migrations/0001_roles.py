"""The three editorial roles (groups), moved here from articles/0004_roles: they span both apps."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from newsroom.roles import ensure_roles

    # Permissions are normally created after the whole migrate run; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    # On a database where articles/0004 made the groups, only add: hand-granted permissions stay.
    ensure_roles(
        group_model=apps.get_model("auth", "Group"), permission_model=apps.get_model("auth", "Permission"), reset=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_roles"),
        ("newsletter", "0002_newsletters"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
        ("taggit", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
