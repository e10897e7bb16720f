from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "newsroom.workers"
    label = "newsroom_workers"
    verbose_name = _("Processus de fond")
