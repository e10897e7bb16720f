"""The desk dashboard's blocks for articles, the wire and assignments: what needs doing today.

Each block is one query for its first rows and one for its count, whatever the archive's size;
the admin home page (newsroom/admin_site.py) lays them out per role and adds the newsletter's.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import overlap
from articles.models import Article, Assignment, NotificationSettings, Transition

BLOCK_ROWS = 8
# Rewrites checked for copying: the latest ones, so the block costs the same with 100 000 stories.
OVERLAP_CANDIDATES = 30

Status = Article.Status


@dataclass
class Block:
    key: str
    title: str
    rows: list
    count: int
    url: str
    empty: str = ""
    urgent: bool = False


def _articles_url(**params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("admin:articles_article_changelist") + (f"?{query}" if query else "")


def _block(key, title, queryset, url, *, empty, rows=BLOCK_ROWS, urgent=False):
    return Block(key, title, list(queryset[:rows]), queryset.count(), url, empty=empty, urgent=urgent)


def _latest_transition(**filters):
    return Transition.objects.filter(article=OuterRef("pk"), **filters).order_by("-created_at", "-id")


def returned(queryset):
    """Drafts whose last move was « Renvoyer au rédacteur », with the editor's comment and when."""
    latest = _latest_transition()
    return (
        queryset.filter(status=Status.DRAFT)
        .annotate(
            last_from=Subquery(latest.values("from_status")[:1]),
            returned_at=Subquery(latest.values("created_at")[:1]),
            return_comment=Subquery(latest.values("comment")[:1]),
        )
        .filter(last_from=Status.SUBMITTED)
    )


def in_review(queryset):
    """Submitted stories with the time they were submitted, oldest first."""
    submitted = _latest_transition(to_status=Status.SUBMITTED)
    return (
        queryset.filter(status=Status.SUBMITTED)
        .annotate(submitted_at=Subquery(submitted.values("created_at")[:1]))
        .order_by("submitted_at", "id")
    )


def after_move(transition):
    """What the desk does when an article moves: tell who must know, advance the topic it was written for."""
    from articles.notifications import notify_transition

    notify_transition(transition)
    advance = {Status.SUBMITTED: Assignment.Status.FILED, Status.PUBLISHED: Assignment.Status.PUBLISHED}
    status = advance.get(transition.to_status)
    if status is not None and transition.actor == Transition.Actor.PERSON:
        transition.article.assignments.exclude(status=Assignment.Status.DROPPED).update(status=status)


def _today(now):
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    return start, start + timedelta(days=1)


def journalist_blocks(user, *, now=None):
    now = now or timezone.now()
    mine = Article.objects.owned_by(user).select_related("section", "created_by")
    back = returned(mine).order_by("-returned_at")
    drafts = mine.filter(status=Status.DRAFT).exclude(pk__in=back.values("pk")).order_by("-modified_at")
    return [
        _block(
            "returned",
            _("Renvoyés avec commentaire"),
            back,
            _articles_url(mine=1, etat="returned"),
            empty=_("Aucun article ne vous a été renvoyé."),
            urgent=True,
        ),
        _block("drafts", _("Mes brouillons"), drafts, _articles_url(mine=1, etat="draft"), empty=_("Aucun brouillon.")),
        _block(
            "review",
            _("En relecture"),
            in_review(mine),
            _articles_url(mine=1, etat="submitted"),
            empty=_("Rien en relecture."),
        ),
        _block(
            "scheduled",
            _("Programmés"),
            mine.scheduled().order_by("publish_at"),
            _articles_url(mine=1, etat="scheduled"),
            empty=_("Rien de programmé."),
        ),
        assignments_block(user),
    ]


def assignments_block(user):
    """The open topics assigned to `user`, soonest due first."""
    assignments = (
        Assignment.objects.filter(assignees=user, status__in=Assignment.OPEN_STATUSES)
        .select_related("section", "dispatch", "article")
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )
    return _block(
        "assignments",
        _("Mes sujets assignés"),
        assignments,
        reverse("admin:articles_assignment_changelist") + f"?assignees__id__exact={user.pk}&ouverts=1",
        empty=_("Aucun sujet ne vous est assigné."),
    )


def mark_wire_seen(user, *, now=None):
    """The editor looked at « Fil AFP »: the desk counts new dispatches from now on."""
    NotificationSettings.objects.update_or_create(user=user, defaults={"wire_seen_at": now or timezone.now()})


def editor_blocks(user, *, now=None):
    now = now or timezone.now()
    start, end = _today(now)
    listing = Article.objects.select_related("section", "source")
    seen = NotificationSettings.objects.filter(user=user).values_list("wire_seen_at", flat=True).first()
    seen = seen or now - timedelta(days=1)
    wire = (
        listing.filter(source__is_agency=True, withdrawn_at__isnull=True, modified_at__gt=seen)
        .exclude(status=Status.PUBLISHED)
        .order_by("-modified_at")
    )
    rewrites_online = Article.objects.filter(based_on=OuterRef("pk")).exclude(status=Status.UNPUBLISHED)
    withdrawals = listing.filter(withdrawn_at__isnull=False).filter(Exists(rewrites_online)).order_by("-withdrawn_at")
    blocks = [
        _block(
            "to_review",
            _("À relire"),
            in_review(listing.select_related("created_by")),
            _articles_url(etat="submitted", o="-1"),
            empty=_("Rien n’attend de relecture."),
        ),
        _block(
            "withdrawals",
            _("Dépêches retirées à traiter"),
            withdrawals,
            reverse("admin:articles_wiredispatch_changelist"),
            empty=_("Aucun article ne s’appuie sur une dépêche retirée."),
            urgent=True,
        ),
        _block(
            "wire",
            _("Fil AFP à traiter"),
            wire,
            reverse("admin:articles_wiredispatch_changelist"),
            empty=_("Aucune dépêche nouvelle depuis votre dernière visite du fil."),
        ),
        _block(
            "scheduled_today",
            _("Programmés aujourd’hui"),
            listing.scheduled().filter(publish_at__lt=end).order_by("publish_at"),
            _articles_url(etat="scheduled"),
            empty=_("Rien de programmé d’ici ce soir."),
        ),
        _block(
            "published_today",
            _("Publiés aujourd’hui"),
            listing.published().filter(publish_at__gte=start).order_by("-publish_at"),
            _articles_url(etat="published"),
            empty=_("Rien n’a encore été publié aujourd’hui."),
        ),
    ]
    blocks.append(copied_rewrites_block())
    return blocks


def copied_rewrites_block():
    """Recent rewrites that copy too much of their dispatch (the overlap meter over the threshold)."""
    recent = (
        Article.objects.filter(based_on__isnull=False, source__is_agency=False)
        .exclude(status=Status.UNPUBLISHED)
        .select_related("based_on", "section")
        .order_by("-modified_at")[:OVERLAP_CANDIDATES]
    )
    rows = []
    for article in recent:
        ratio = overlap.article_overlap(article)
        if overlap.is_copy(ratio):
            article.overlap_ratio = ratio
            rows.append(article)
    rows.sort(key=lambda article: -article.overlap_ratio)
    return Block(
        "copied",
        _("Réécritures trop proches de la dépêche"),
        rows[:BLOCK_ROWS],
        len(rows),
        _articles_url(),
        empty=_("Aucune réécriture récente ne dépasse %(share)d %% de texte repris.")
        % {"share": round(settings.OVERLAP_WARNING_THRESHOLD * 100)},
    )


def budget(day):
    """The story budget of `day` (a date): topics due that day and open topics with no due time."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    due_today = Q(due_at__gte=start, due_at__lt=end)
    undated = Q(due_at__isnull=True, status__in=Assignment.OPEN_STATUSES)
    return (
        Assignment.objects.filter(due_today | undated)
        .exclude(status=Assignment.Status.DROPPED)
        .select_related("section", "editor", "dispatch", "article")
        .prefetch_related("assignees")
        .order_by("section__order", "section__name", F("due_at").asc(nulls_last=True), "id")
    )
