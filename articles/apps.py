from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from django.db.backends.signals import connection_created

        from articles import plans
        from articles.search import signals

        signals.connect()
        connection_created.connect(plans.connection_started, dispatch_uid="articles-plan-cache-mode")
