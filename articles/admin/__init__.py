"""The articles app's admin, one module per concern (Django's autodiscover imports this package).

A new feature adds `articles/admin/<feature>.py` and one import line below.
"""

from articles.admin import article, desk, images, live, taxonomy, wire, workflow  # noqa: F401  (registers the model admins)
