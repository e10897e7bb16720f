from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NewsroomConfig(AppConfig):
    """The project as an app: the roles that span articles and newsletter, and their migration."""

    name = "newsroom"
    verbose_name = _("Newsroom")

    def ready(self):
        from newsroom.roles import grant_missing_role_permissions

        # The roles migration cannot see permissions created after it; once every app's permissions
        # exist, top the groups up. Additive: it never removes what an admin granted.
        post_migrate.connect(grant_missing_role_permissions, dispatch_uid="newsroom-roles")
