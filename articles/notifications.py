"""Who must know what happened: notifications in the admin and, for those who want it, one email each.

Called explicitly by the flows that cause them — the workflow gate (`notify_transition`), the
assignment admin (`notify_assigned`) and the periodic due-time check (`notify_due_soon`). Rows are
written in the caller's transaction (no notification for a move that rolled back); emails go through
the task queue after commit, never in the request, and each is claimed by exactly one task.
"""

import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from articles.models import Article, Assignment, Notification, NotificationSettings

Kind = Notification.Kind


def editors():
    """Active staff holding the editors' permission through a role or their own permissions."""
    granted = Permission.objects.filter(codename="publish_article", content_type__app_label="articles")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions__in=granted) | Q(user_permissions__in=granted))
        .distinct()
    )


def authors_of(article):
    """The people an article belongs to: who created it and the credited authors with an account."""
    ids = set(article.authors.filter(user__isnull=False).values_list("user_id", flat=True))
    if article.created_by_id:
        ids.add(article.created_by_id)
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def _settings_for(users):
    users = list(users)
    found = {s.user_id: s for s in NotificationSettings.objects.filter(user__in=users)}
    return [(user, found.get(user.pk) or NotificationSettings(user=user)) for user in users]


def notify(users, *, kind, event, message, url="", detail="", article=None, urgent=False, exclude=None):
    """Create one notification per user who wants this kind; queue the emails after commit."""
    created = []
    for user, prefs in _settings_for(users):
        if (exclude is not None and user.pk == exclude.pk) or not prefs.wants(kind):
            continue
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    event=event,
                    message=message[:500],
                    detail=detail,
                    url=url,
                    article=article,
                    urgent=urgent,
                    email_wanted=prefs.wants_email(kind) and bool(user.email),
                )
        except IntegrityError:
            continue  # This person already heard of this event (a retry, a second run).
        created.append(notification)
        if notification.email_wanted:
            transaction.on_commit(lambda pk=notification.pk: send_notification_email.enqueue(pk))
    return created


def _admin_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def notify_transition(transition):
    """What a move of the workflow tells whom: review requests, returns, publications, withdrawals."""
    article, actor = transition.article, transition.user
    name = (actor.get_full_name() or actor.get_username()) if actor else _("le fil AFP")
    common = {"event": f"transition:{transition.pk}", "article": article, "exclude": actor, "url": _admin_url(article)}
    headline = article.headline
    to, came_from = transition.to_status, transition.from_status
    if article.withdrawn_at is not None and to == Article.Status.UNPUBLISHED:
        rewrites = list(article.rewrites.exclude(status=Article.Status.UNPUBLISHED).only("headline"))
        if rewrites:
            notify(
                editors(),
                kind=Kind.WITHDRAWN,
                urgent=True,
                message=_("Urgent : l’agence a retiré « %(headline)s », dont %(count)d article(s) s’inspire(nt).")
                % {"headline": headline, "count": len(rewrites)},
                detail="\n".join(rewrite.headline for rewrite in rewrites),
                **common,
            )
    elif to == Article.Status.SUBMITTED:
        notify(
            editors(),
            kind=Kind.SUBMITTED,
            message=_("« %(headline)s » attend votre relecture (soumis par %(name)s).")
            % {"headline": headline, "name": name},
            **common,
        )
    elif came_from == Article.Status.SUBMITTED and to == Article.Status.DRAFT:
        notify(
            authors_of(article),
            kind=Kind.RETURNED,
            message=_("« %(headline)s » vous est renvoyé par %(name)s.") % {"headline": headline, "name": name},
            detail=transition.comment,
            **common,
        )
    elif to == Article.Status.PUBLISHED and transition.actor == transition.Actor.PERSON:
        if article.publish_at and article.publish_at > timezone.now():
            when = date_format(timezone.localtime(article.publish_at), "DATETIME_FORMAT")
            kind, message = Kind.SCHEDULED, _("« %(headline)s » est programmé pour le %(when)s.")
        else:
            when, kind, message = "", Kind.PUBLISHED, _("« %(headline)s » est publié.")
        notify(authors_of(article), kind=kind, message=message % {"headline": headline, "when": when}, **common)


def notify_assigned(assignment, users, *, by=None):
    """Tell each newly assigned journalist about the topic (once per topic and person)."""
    due = ""
    if assignment.due_at:
        when = date_format(timezone.localtime(assignment.due_at), "DATETIME_FORMAT")
        due = " " + _("À rendre le %(when)s.") % {"when": when}
    for user in users:
        notify(
            [user],
            kind=Kind.ASSIGNED,
            event=f"assignment:{assignment.pk}:assigned",
            message=_("Nouveau sujet pour vous : « %(title)s ».") % {"title": assignment.working_title} + due,
            detail=assignment.notes,
            url=reverse("admin:articles_assignment_change", args=[assignment.pk]),
            exclude=by,
        )


def notify_due_soon(*, now=None):
    """Remind assignees of open topics due within DESK_DUE_SOON_MINUTES, once per due time. Periodic."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.DESK_DUE_SOON_MINUTES)
    due = Assignment.objects.filter(status__in=Assignment.OPEN_STATUSES, due_at__gt=now, due_at__lte=horizon).exclude(
        due_reminder_for=F("due_at")
    )
    count = 0
    for assignment in due.prefetch_related("assignees"):
        with transaction.atomic():
            # Claim the reminder: a second worker running the same check finds it taken.
            claimed = (
                Assignment.objects.filter(pk=assignment.pk)
                .exclude(due_reminder_for=assignment.due_at)
                .update(due_reminder_for=assignment.due_at)
            )
            if not claimed:
                continue
            when = date_format(timezone.localtime(assignment.due_at), "TIME_FORMAT")
            notify(
                assignment.assignees.all(),
                kind=Kind.DUE_SOON,
                event=f"assignment:{assignment.pk}:due:{assignment.due_at.isoformat()}",
                message=_("« %(title)s » est à rendre à %(when)s.") % {"title": assignment.working_title, "when": when},
                url=reverse("admin:articles_assignment_change", args=[assignment.pk]),
            )
            count += 1
    return count


@task
def remind_due_assignments(every=None):
    """Periodic: the « échéance proche » reminders; with `every` (seconds), schedules its next run."""
    count = notify_due_soon()
    if every and remind_due_assignments.get_backend().supports_defer:
        remind_due_assignments.using(run_after=timezone.now() + timedelta(seconds=every)).enqueue(every=every)
    return count


@task
def send_notification_email(notification_id):
    """Email one notification, once: the row is claimed before sending and released if sending fails."""
    claimed = Notification.objects.filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    context = {"notification": notification, "site_url": settings.SITE_URL}
    with translation.override("fr"):
        subject = ("[Urgent] " if notification.urgent else "") + _("Newsroom — %(message)s") % {
            "message": notification.message
        }
        body = render_to_string("articles/email/notification.txt", context)
    try:
        send_mail(" ".join(subject.split())[:200], body, None, [notification.recipient.email])
    except (smtplib.SMTPException, OSError):
        # Not sent: let a later run (or a retry of this task) try again.
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise
    return True
