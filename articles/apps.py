from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from articles.roles import grant_missing_role_permissions

        # The roles migration cannot see apps migrated after it (newsletter); once every app's
        # permissions exist, top the groups up. Additive: it never removes what an admin granted.
        post_migrate.connect(grant_missing_role_permissions, dispatch_uid="articles-roles")

        from articles.search import signals

        signals.connect()
