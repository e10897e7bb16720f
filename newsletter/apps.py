from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Newsletter")

    def ready(self):
        # anymail reports ESP events only through its `tracking` signal.
        from anymail.signals import tracking

        from newsletter import checks  # noqa: F401 — registers the system checks
        from newsletter.webhooks import handle_tracking

        tracking.connect(handle_tracking, dispatch_uid="newsletter.handle_tracking")
