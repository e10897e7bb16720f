"""The editorial workflow: the one gate every status change goes through, and what it records.

`Article.move(name, user=…)` is the only way an article changes status — the admin buttons, the bulk
actions, « Publier tel quel » and the wire ingest (`actor=Transition.Actor.WIRE`, no user) all call
it. Under a row lock it checks the move against the stored state (a withdrawn dispatch stays
withdrawn) and the actor's permissions, saves the workflow fields, records a Transition and a
revision, bumps `edit_version` and schedules the purge. The rules are the MOVES table below: the
`can_*` methods and the gate both read it, so a rule cannot be written twice.
"""

from dataclasses import dataclass

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from articles.cache import purge_article


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumis à la relecture")
    PUBLISHED = "published", _("Publié")
    UNPUBLISHED = "unpublished", _("Dépublié")


class Actor(models.TextChoices):
    PERSON = "person", _("rédaction")
    WIRE = "wire", _("fil AFP")


@dataclass(frozen=True, slots=True)
class Move:
    to_status: str
    from_statuses: frozenset
    # For a person: the permission needed ("app.codename"); the wire, a system actor, needs none.
    permission: str = ""
    denied: str = ""
    actors: frozenset = frozenset({Actor.PERSON})
    # A journalist may only move what they may edit (their own draft).
    needs_edit: bool = False
    # Readers see the change: purge the pages; `hard` when nobody may see the old copy any more.
    purge: bool = False
    hard_purge: bool = False


S = ArticleStatus
_PUBLISH = {
    "to_status": S.PUBLISHED,
    # Among published articles only a scheduled one may move on to published (rescheduled, or now).
    "from_statuses": frozenset({S.DRAFT, S.SUBMITTED, S.PUBLISHED}),
    "permission": "articles.publish_article",
    "denied": _("Vous n’avez pas le droit de publier ou de programmer un article."),
    "purge": True,
}
MOVES = {
    "submit": Move(
        S.SUBMITTED,
        frozenset({S.DRAFT}),
        "articles.submit_article",
        _("Vous ne pouvez pas soumettre cet article."),
        needs_edit=True,
    ),
    "publish": Move(**_PUBLISH, actors=frozenset({Actor.PERSON, Actor.WIRE})),
    "schedule": Move(**_PUBLISH),
    "return_to_draft": Move(
        S.DRAFT,
        frozenset({S.SUBMITTED}),
        "articles.publish_article",
        _("Vous n’avez pas le droit de renvoyer un article au rédacteur."),
    ),
    "unpublish": Move(
        S.UNPUBLISHED,
        frozenset({S.PUBLISHED}),
        "articles.unpublish_article",
        _("Vous n’avez pas le droit de dépublier un article."),
        purge=True,
        hard_purge=True,
    ),
    "back_to_draft": Move(
        S.DRAFT,
        frozenset({S.UNPUBLISHED}),
        "articles.unpublish_article",
        _("Vous n’avez pas le droit de remettre cet article en brouillon."),
    ),
    # The agency holds a published dispatch back (stat:withheld): it leaves the site until a usable version.
    "withhold": Move(S.DRAFT, frozenset({S.PUBLISHED}), actors=frozenset({Actor.WIRE}), purge=True, hard_purge=True),
    # The agency kills the story (stat:canceled): unpublished for good, whatever its state.
    "withdraw": Move(S.UNPUBLISHED, frozenset(S), actors=frozenset({Actor.WIRE}), purge=True, hard_purge=True),
}
# The order of the buttons in the admin.
PERSON_MOVES = [name for name, move in MOVES.items() if Actor.PERSON in move.actors]
# What a move saves: the workflow fields, named (withdrawn_at is set by the wire's « withdraw » only).
WORKFLOW_FIELDS = ("status", "publish_at", "first_published_at", "updated_at", "edit_version", "withdrawn_at")


class ArticleWorkflow:
    """Article's workflow methods (mixed into Article; see articles/models/article.py)."""

    # --- Who may do what ----------------------------------------------------------------

    def is_owned_by(self, user):
        """Whether `user` created this article or is credited on it."""
        if self.created_by_id is not None and self.created_by_id == user.pk:
            return True
        return self.pk is not None and self.authors.filter(user_id=user.pk).exists()

    def can_edit(self, user):
        """Editors change any article; a journalist only their own, while it is a draft."""
        if not user.has_perm("articles.change_article"):
            return False
        if user.has_perm("articles.change_any_article"):
            return True
        return self.status == ArticleStatus.DRAFT and self.is_owned_by(user)

    def refusal(self, name, *, user=None, actor=Actor.PERSON):
        """Why the move `name` is impossible now (a PermissionDenied or ValidationError), or None."""
        move = MOVES[name]
        if actor not in move.actors:
            return PermissionDenied(_("Cette action est réservée au fil d’agence."))
        if self.withdrawn_at is not None and name != "withdraw":
            return ValidationError(_("Cette dépêche a été retirée par l’agence : elle ne peut plus changer d’état."))
        if (
            move.to_status == ArticleStatus.PUBLISHED
            and self.status == ArticleStatus.PUBLISHED
            and not self.is_scheduled
        ):
            return ValidationError(_("Cet article est déjà publié."))
        if self.status not in move.from_statuses:
            return ValidationError(
                _("Impossible depuis l’état « %(status)s ».") % {"status": self.get_status_display()}
            )
        if actor == Actor.PERSON and not (
            user.has_perm(move.permission) and (not move.needs_edit or self.can_edit(user))
        ):
            return PermissionDenied(move.denied)
        return None

    def can(self, name, user):
        return self.refusal(name, user=user) is None

    def can_submit(self, user):
        return self.can("submit", user)

    def can_publish(self, user):
        return self.can("publish", user)

    def can_return_to_draft(self, user):
        return self.can("return_to_draft", user)

    def can_unpublish(self, user):
        return self.can("unpublish", user)

    def can_back_to_draft(self, user):
        return self.can("back_to_draft", user)

    def can_correct(self, user):
        return self.is_published and user.has_perm("articles.correct_article")

    def available_transitions(self, user):
        """Names of the transitions `user` may apply now, in the order the buttons show them."""
        names = [name for name in PERSON_MOVES if self.can(name, user)]
        return [*names, "correct"] if self.can_correct(user) else names

    # --- The gate -------------------------------------------------------------------------

    def move(self, name, *, user=None, actor=Actor.PERSON, comment="", publish_at=None, withdrawn_at=None):
        """Apply the move `name` (a key of MOVES): the one place an article changes status."""
        move = MOVES[name]
        with transaction.atomic(), reversion.create_revision():
            self._lock_and_reload()
            refusal = self.refusal(name, user=user, actor=actor)
            if refusal is not None:
                raise refusal
            if move.to_status == ArticleStatus.PUBLISHED and (problems := self.publish_problems()):
                raise ValidationError(
                    _("Impossible de publier : %(problems)s.") % {"problems": " ; ".join(map(str, problems))}
                )
            from_status = self.status
            self.status = move.to_status
            if publish_at is not None:
                self.publish_at = publish_at
                if self.first_published_at is None or self.first_published_at > timezone.now():
                    self.first_published_at = publish_at
            if withdrawn_at is not None:
                self.withdrawn_at = withdrawn_at
            self.bump_edit_version()
            self.save(update_fields=[*WORKFLOW_FIELDS, "modified_at"])
            transition = self.transitions.create(
                from_status=from_status, to_status=self.status, user=user, actor=actor, comment=comment or ""
            )
            # The desk follows: notifications (rows now, emails after commit) and the topic's state.
            from articles.desk import after_move  # it imports these models

            after_move(transition)
            if user is not None:
                reversion.set_user(user)
            label = f"{ArticleStatus(from_status).label} → {ArticleStatus(self.status).label}"
            # Inside the wire's revision the comment names the dispatch already: add the move to it.
            reversion.set_comment(f"{reversion.get_comment()} — {label}" if reversion.get_comment() else label)
            if move.purge:
                self.schedule_purge(hard=move.hard_purge)

    def _lock_and_reload(self):
        """Lock the row and take its stored workflow state: a stale object or a crafted request changes nothing."""
        stored = type(self).objects.select_for_update().get(pk=self.pk)
        for field in WORKFLOW_FIELDS:
            setattr(self, field, getattr(stored, field))

    def bump_edit_version(self):
        """Every stored change bumps it, so an edit form opened on the previous state is refused on save."""
        self.edit_version += 1

    def schedule_purge(self, *, hard=False):
        """After commit, drop the cached pages that show this article. `hard`: nobody may see the old copy.

        The one call site of the page-cache purge for article changes (see articles/cache.py).
        """
        # Keys read after commit: the final section, tags and authors. Pages that showed the story
        # before (an old section or tag page) carry its article key, so they are purged too.
        transaction.on_commit(lambda: purge_article(self, hard=hard))

    # --- The transitions, as the admin and the wire call them ------------------------------

    def submit(self, *, user, comment=""):
        """Draft → submitted: the author hands the article to the editors."""
        self.move("submit", user=user, comment=comment)

    def publish(self, *, user=None, actor=Actor.PERSON, at=None, comment=""):
        """Publish now, or at `at` when it lies in the future (scheduled). No cron job: visibility is a query."""
        now = timezone.now()
        at = at or now
        if at > now and not comment:
            comment = _("Programmé pour le %(date)s") % {
                "date": formats.date_format(timezone.localtime(at), "DATETIME_FORMAT")
            }
        self.move("publish", user=user, actor=actor, comment=comment, publish_at=at)

    def schedule(self, *, user, at, comment=""):
        """Publish at a future time: the article appears then with no manual step."""
        if at is None or at <= timezone.now():
            raise ValidationError(_("Indiquez une date de publication dans le futur pour programmer l’article."))
        self.publish(user=user, at=at, comment=comment)

    def return_to_draft(self, *, user, comment):
        """Submitted → draft, with the editor's comment for the author (required)."""
        if not (comment or "").strip():
            raise ValidationError(_("Un commentaire est obligatoire pour renvoyer l’article au rédacteur."))
        self.move("return_to_draft", user=user, comment=comment.strip())

    def unpublish(self, *, user, comment=""):
        """Published (or scheduled) → unpublished: readers no longer see it."""
        self.move("unpublish", user=user, comment=comment)

    def back_to_draft(self, *, user, comment=""):
        """Unpublished → draft, to be reworked and go through review again."""
        self.move("back_to_draft", user=user, comment=comment)

    def correct(self, *, user, wrong, right):
        """Record a dated correction readers see under the article; the update time changes, the URL does not."""
        if not user.has_perm("articles.correct_article"):
            raise PermissionDenied(_("Vous n’avez pas le droit de corriger un article."))
        if not (wrong or "").strip() or not (right or "").strip():
            raise ValidationError(_("Indiquez ce qui était inexact et ce qui est exact."))
        with transaction.atomic(), reversion.create_revision():
            self._lock_and_reload()
            if not self.is_published:
                raise ValidationError(_("Seul un article publié peut recevoir une correction."))
            now = timezone.now()
            correction = self.corrections.create(wrong=wrong.strip(), right=right.strip(), user=user, created_at=now)
            self.updated_at = now
            self.bump_edit_version()
            self.save(update_fields=["updated_at", "edit_version", "modified_at"])
            reversion.set_user(user)
            reversion.set_comment(_("Correction : %(right)s") % {"right": correction.right})
            self.schedule_purge()
        return correction


class Transition(models.Model):
    """One move of an article through the workflow: who (a person, or the wire), when, from, to, why."""

    Actor = Actor

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("de"), max_length=20, choices=ArticleStatus)
    to_status = models.CharField(_("vers"), max_length=20, choices=ArticleStatus)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.CharField(_("acteur"), max_length=20, choices=Actor, default=Actor.PERSON)
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transition")
        verbose_name_plural = _("historique du circuit")

    def __str__(self):
        return f"{self.article}: {self.from_status} → {self.to_status}"


@reversion.register()
class Correction(models.Model):
    """A dated correction note shown at the foot of a published article and on the corrections page."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="corrections")
    wrong = models.TextField(_("ce qui était inexact"))
    right = models.TextField(_("ce qui est exact"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("par"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return f"{self.article} — {self.created_at:%Y-%m-%d}"
