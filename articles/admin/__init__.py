"""The articles app's admin, one module per concern (Django's autodiscover imports this package).

A new feature adds `articles/admin/<feature>.py` and one import line below.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.admin import article, images, taxonomy, wire, workflow  # noqa: F401  (registers the model admins)

admin.site.site_header = _("Newsroom — la rédaction")
admin.site.site_title = _("Newsroom")
admin.site.index_title = _("Rédaction")
