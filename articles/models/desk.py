"""The desk: topics assigned to journalists (the story budget) and notifications to the newsroom."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Assignment(models.Model):
    """A « sujet »: what someone will write, for when, from which dispatch, and the article it became."""

    class Status(models.TextChoices):
        IDEA = "idea", _("Idée")
        ASSIGNED = "assigned", _("Assigné")
        IN_PROGRESS = "in_progress", _("En cours")
        FILED = "filed", _("Rendu")
        PUBLISHED = "published", _("Publié")
        DROPPED = "dropped", _("Abandonné")

    OPEN_STATUSES = (Status.IDEA, Status.ASSIGNED, Status.IN_PROGRESS)

    working_title = models.CharField(
        _("titre de travail"), max_length=255, help_text=_("Le sujet en une phrase, pour la conférence de rédaction.")
    )
    section = models.ForeignKey(
        "articles.Section", verbose_name=_("rubrique"), null=True, blank=True, on_delete=models.SET_NULL
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("journalistes"), blank=True, related_name="assignments"
    )
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("éditeur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="edited_assignments",
        help_text=_("Qui relit et suit le sujet."),
    )
    due_at = models.DateTimeField(_("à rendre le"), null=True, blank=True)
    expected_length = models.PositiveIntegerField(
        _("longueur prévue"), null=True, blank=True, help_text=_("En nombre de mots, par exemple 600.")
    )
    status = models.CharField(_("état"), max_length=20, choices=Status, default=Status.ASSIGNED)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Angle, contacts, contraintes."))
    dispatch = models.ForeignKey(
        "articles.Article",
        verbose_name=_("dépêche de départ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"source__is_agency": True},
    )
    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        help_text=_("L’article écrit pour ce sujet."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("créé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    # Set when « échéance proche » was announced, so the reminder goes out once per due time.
    due_reminder_for = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = [models.F("due_at").asc(nulls_last=True), "id"]
        verbose_name = _("sujet")
        verbose_name_plural = _("sujets")
        indexes = [models.Index(fields=["status", "due_at"], name="assignment_open_due_idx")]

    def __str__(self):
        return self.working_title

    def get_absolute_url(self):
        return reverse("admin:articles_assignment_change", args=[self.pk])

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One thing one person must know, shown in the admin and, if they chose so, sent by email once."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Article soumis à la relecture")
        RETURNED = "returned", _("Article renvoyé avec un commentaire")
        PUBLISHED = "published", _("Article publié")
        SCHEDULED = "scheduled", _("Article programmé")
        ASSIGNED = "assigned", _("Sujet assigné")
        DUE_SOON = "due_soon", _("Échéance proche")
        WITHDRAWN = "withdrawn", _("Dépêche retirée par l’agence")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("destinataire"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    # What happened, once: the same event never notifies the same person twice (retries, re-runs).
    event = models.CharField(_("événement"), max_length=100)
    message = models.CharField(_("message"), max_length=500)
    detail = models.TextField(_("détail"), blank=True)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)
    read_at = models.DateTimeField(_("lu le"), null=True, blank=True)
    # Email: wanted by the recipient when created; claimed (emailed_at) by the one task that sends it.
    email_wanted = models.BooleanField(_("par email"), default=False)
    emailed_at = models.DateTimeField(_("envoyé par email le"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self):
        return self.message


def default_email_kinds():
    return [
        Notification.Kind.SUBMITTED,
        Notification.Kind.RETURNED,
        Notification.Kind.PUBLISHED,
        Notification.Kind.ASSIGNED,
        Notification.Kind.DUE_SOON,
        Notification.Kind.WITHDRAWN,
    ]


class NotificationSettings(models.Model):
    """What one person wants to hear about, in the admin and by email, and when they last read the wire."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("compte"), on_delete=models.CASCADE, related_name="desk_settings"
    )
    muted_kinds = models.JSONField(_("notifications désactivées"), default=list, blank=True)
    email_kinds = models.JSONField(_("notifications par email"), default=default_email_kinds, blank=True)
    wire_seen_at = models.DateTimeField(_("fil AFP consulté le"), null=True, blank=True)

    class Meta:
        verbose_name = _("préférences de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self):
        return str(self.user)

    def wants(self, kind):
        return kind not in self.muted_kinds

    def wants_email(self, kind):
        return self.wants(kind) and kind in self.email_kinds
