"""The admin home page: the desk blocks for a role, the articles' and the newsletter's.

Project level because it spans both apps: `articles.desk` gives the editorial blocks, the
newsletter's next editions are added here (articles never imports newsletter).
"""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles import desk
from articles.models import Notification
from articles.roles import CHIEF_EDITOR, EDITOR, JOURNALIST, ROLE_LABELS
from newsletter.models import Edition, Newsletter


def next_editions_block():
    """The next edition of each newsletter (in preparation or scheduled) with its article count."""
    pending = (
        Edition.objects.filter(status__in=[Edition.Status.DRAFT, Edition.Status.SCHEDULED])
        .annotate(article_count=Count("articles"))
        .order_by("newsletter_id", "scheduled_at", "created_at")
    )
    first = {}
    for edition in pending:
        first.setdefault(edition.newsletter_id, edition)
    rows = [(newsletter, first.get(newsletter.pk)) for newsletter in Newsletter.objects.order_by("name")]
    return desk.Block(
        "editions",
        _("Prochaines éditions"),
        rows,
        len(rows),
        reverse("admin:newsletter_edition_changelist"),
        empty=_("Aucune newsletter."),
    )


def role_label(user, *, is_editor):
    """« Rédaction en chef », « Éditeur » or « Journaliste »: the highest role the person holds."""
    names = set(user.groups.values_list("name", flat=True))
    for name in (CHIEF_EDITOR, EDITOR, JOURNALIST):
        if name in names:
            return ROLE_LABELS[name]
    return ROLE_LABELS[EDITOR] if is_editor else ROLE_LABELS[JOURNALIST]


def desk_context(user):
    is_editor = user.has_perm("articles.publish_article")
    blocks = desk.editor_blocks(user) if is_editor else []
    if is_editor and user.has_perm("newsletter.view_edition"):
        blocks.append(next_editions_block())
    # Editors write too: their own topics follow their desk; a journalist sees only their own work.
    blocks = [*blocks, desk.assignments_block(user)] if is_editor else desk.journalist_blocks(user)
    recent = list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-urgent", "-created_at")[:5]
    )
    return {
        "desk_blocks": blocks,
        "desk_role": role_label(user, is_editor=is_editor),
        "desk_is_editor": is_editor,
        "desk_notifications": recent,
    }
