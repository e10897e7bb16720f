from django.core.management.base import BaseCommand

from newsroom.roles import ensure_roles


class Command(BaseCommand):
    help = "Create or reset the groups Journaliste, Éditeur and Rédaction en chef with their permissions."

    def handle(self, *args, **options):
        from django.apps import apps
        from django.contrib.auth.management import create_permissions

        # Permissions are normally created after migrate; make sure they all exist first.
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        for name, count in ensure_roles().items():
            self.stdout.write(f"{name} : {count} permissions")
