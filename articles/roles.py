"""The editorial roles' names, and what the articles app decides from a user's permissions.

The groups and their permissions (which span articles and newsletter) are built at project level,
in newsroom/roles.py; the matrix is in docs/workflow.md.
"""

from django.utils.translation import gettext_lazy as _

JOURNALIST = "Journaliste"
EDITOR = "Éditeur"
CHIEF_EDITOR = "Rédaction en chef"

ROLE_LABELS = {JOURNALIST: _("Journaliste"), EDITOR: _("Éditeur"), CHIEF_EDITOR: _("Rédaction en chef")}


def is_journalist_only(user):
    """A journalist who may not edit others' work: the admin narrows what they see to their own."""
    return not user.is_superuser and not user.has_perm("articles.change_any_article")
