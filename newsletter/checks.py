"""System checks of the newsletter's configuration."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def webhook_secret_check(app_configs, **kwargs):
    from newsletter.webhooks import webhook_secrets

    if settings.NEWSLETTER_ESP and not webhook_secrets():
        return [
            checks.Error(
                f"The {settings.NEWSLETTER_ESP} tracking webhook refuses every call: ANYMAIL has no WEBHOOK_SECRET.",
                hint='Set ANYMAIL=\'{"WEBHOOK_SECRET": "user:long-random-password", …}\' and give the ESP '
                "https://user:long-random-password@<host>/newsletter/anymail/<esp>/tracking/.",
                id="newsletter.E001",
            )
        ]
    return []
