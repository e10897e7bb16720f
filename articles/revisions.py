"""Revision history of an article (django-reversion): readable diffs and restoring an older version."""

import difflib
import re

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import formats, timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Version

from articles.models import Article

# The text a restore brings back. Workflow state, slug (the URL) and attribution stay as they are now.
RESTORED_FIELDS = [
    "headline",
    "kicker",
    "standfirst",
    "body",
    "byline",
    "dateline",
]
DIFF_FIELDS = [
    ("headline", gettext_lazy("Titre")),
    ("standfirst", gettext_lazy("Chapô")),
    ("body", gettext_lazy("Texte")),
]

_BLOCK_END = re.compile(r"</(p|h2|h3|h4|li|blockquote|figcaption)>|<br\s*/?>", re.IGNORECASE)


def versions_of(article):
    return Version.objects.get_for_object(article).select_related("revision__user")


def readable_text(html):
    """Body HTML as plain paragraphs, so a diff shows words, not markup."""
    text = strip_tags(_BLOCK_END.sub("\n", html or ""))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def diff_html(old, new):
    """Word-level diff of two texts as safe HTML with <del> and <ins>; a run of changed words reads as one."""
    tokenize = re.compile(r"\s+|[^\s]+").findall
    a, b = tokenize(old or ""), tokenize(new or "")
    # Merge changes separated only by whitespace, so « <del>a b</del><ins>c d</ins> », not word by word.
    merged = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if merged and op != "equal" and len(merged) >= 2 and merged[-2][0] != "equal":
            gap = merged[-1]
            if gap[0] == "equal" and not "".join(a[gap[1] : gap[2]]).strip():
                merged.pop()
                first = merged.pop()
                op, i1, j1 = "replace", first[1], first[3]
        merged.append((op, i1, i2, j1, j2))
    out = []
    for op, i1, i2, j1, j2 in merged:
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308 — every piece is escaped above


def compare(old_version, new_version):
    """[(label, diff html, changed?)] for headline, standfirst and body between two versions."""
    rows = []
    for name, label in DIFF_FIELDS:
        old, new = old_version.field_dict.get(name, ""), new_version.field_dict.get(name, "")
        if name == "body":
            old, new = readable_text(old), readable_text(new)
        rows.append((label, diff_html(old, new), old != new))
    return rows


def restore(article, version, *, user):
    """Bring back the text of `version` as a new revision; the workflow state does not change."""
    if not article.can_edit(user):
        raise PermissionDenied(_("Vous ne pouvez pas modifier cet article."))
    with transaction.atomic(), reversion.create_revision():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        fields = version.field_dict
        for name in RESTORED_FIELDS:
            setattr(locked, name, fields.get(name, getattr(locked, name)))
        locked.bump_edit_version()
        locked.save()
        reversion.set_user(user)
        reversion.set_comment(
            _("Version du %(date)s restaurée")
            % {"date": formats.date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")}
        )
        if locked.status == Article.Status.PUBLISHED:
            locked.schedule_purge()
    return locked
