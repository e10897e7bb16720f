import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Section


class Frequency(models.TextChoices):
    DAILY = "daily", _("Quotidienne")
    WEEKLY = "weekly", _("Hebdomadaire")


LINK_SALT = "newsletter.link"
CONFIRM_SALT = "newsletter.confirm"


def new_token_key():
    return secrets.token_urlsafe(12)


def single_line(value):
    """Subjects and sender names become mail headers, where a line break is an injection."""
    if "\r" in value or "\n" in value:
        raise ValidationError(
            _("Pas de saut de ligne ici : ce texte devient un en-tête du courriel, sur une seule ligne."),
            code="line_break",
        )


ONE_LINE_SUBJECT = ~Q(subject__contains="\n") & ~Q(subject__contains="\r")


class SubscriberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Subscriber.Status.ACTIVE, paused=False)

    def by_email(self, email):
        return self.filter(email__iexact=email)

    def sign_up(self, *, email, frequency, sections, consent_version, now=None):
        """Record a sign-up or re-subscription as pending; return the subscriber to mail, or None.

        Whatever the state of the address, the visitor must see the same answer: the caller never
        tells whether an address is new, pending or already subscribed. The caller sends the
        confirmation (newsletter.tasks.send_confirmation_task) for the subscriber returned.
        """
        now = now or timezone.now()
        with transaction.atomic():
            subscriber = self.select_for_update().by_email(email).first()
            if subscriber is None:
                try:
                    with transaction.atomic():
                        subscriber = self.create(
                            email=email, frequency=frequency, consent_at=now, consent_version=consent_version
                        )
                except IntegrityError:  # the same address signed up in a concurrent request
                    return None
                subscriber.sections.set(sections)
            elif subscriber.status == Subscriber.Status.ACTIVE:
                # Changing an active subscriber's choices needs the preferences link, not just the address.
                return None
            else:
                recently = (
                    subscriber.confirmation_sent_at
                    and (now - subscriber.confirmation_sent_at).total_seconds()
                    < settings.NEWSLETTER_CONFIRM_RESEND_INTERVAL
                )
                if recently:
                    return None
                subscriber.frequency = frequency
                subscriber.consent_at = now
                subscriber.consent_version = consent_version
                subscriber.save(update_fields=["frequency", "consent_at", "consent_version", "updated_at"])
                subscriber.sections.set(sections)
            subscriber.request_confirmation(now=now)
        return subscriber


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de confirmation")
        ACTIVE = "active", _("Actif")
        UNSUBSCRIBED = "unsubscribed", _("Désabonné")
        BOUNCED = "bounced", _("Adresse invalide (rebond)")
        COMPLAINED = "complained", _("Plainte pour spam")

    email = models.EmailField(_("adresse électronique"), max_length=254)
    status = models.CharField(_("statut"), max_length=20, choices=Status, default=Status.PENDING)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency, default=Frequency.DAILY)
    sections = models.ManyToManyField(
        Section,
        through="SubscriberSection",
        verbose_name=_("rubriques suivies"),
        blank=True,
        related_name="+",
        help_text=_("Aucune rubrique cochée : l’abonné reçoit toutes les rubriques."),
    )
    paused = models.BooleanField(
        _("en pause"), default=False, help_text=_("L’abonné ne reçoit rien tant qu’il est en pause.")
    )
    # Breaking-news alerts (newsletter/alerts.py): off unless the subscriber asks; the opt-in is dated.
    alerts = models.BooleanField(
        _("alertes"), default=False, help_text=_("Recevoir aussi les alertes sur l’actualité brûlante.")
    )
    alerts_consent_at = models.DateTimeField(_("alertes acceptées le"), null=True, blank=True, editable=False)

    # Consent: when it was given, on which wording of the form, when the address confirmed it.
    consent_at = models.DateTimeField(_("consentement le"), null=True, blank=True)
    consent_version = models.CharField(_("version du texte de consentement"), max_length=20, blank=True)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation envoyée le"), null=True, blank=True)
    # Random value bound into the confirmation link; cleared once used so a link works only once.
    confirm_nonce = models.CharField(max_length=32, blank=True, editable=False)
    # Bound into unsubscribe and preference links; rotating it revokes every link already sent.
    token_key = models.CharField(max_length=32, default=new_token_key, editable=False)

    unsubscribed_at = models.DateTimeField(_("désabonné le"), null=True, blank=True)
    status_reason = models.CharField(_("motif"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("inscrit le"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("abonné")
        verbose_name_plural = _("abonnés")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_unique_email_ci"),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(confirmed_at__isnull=False),
                name="subscriber_active_is_confirmed",
            ),
        ]
        indexes = [models.Index(fields=["status", "frequency"], name="subscriber_status_freq_idx")]

    def __str__(self):
        return self.email

    def get_absolute_url(self):
        return reverse("admin:newsletter_subscriber_change", args=[self.pk])

    def link_token(self):
        """Signed, non-expiring token of the unsubscribe and preference links (revoked by erasing)."""
        return signing.Signer(salt=LINK_SALT).sign(f"{self.pk}.{self.token_key}")

    @classmethod
    def from_link_token(cls, token):
        """The subscriber a link token names, or None for a tampered or revoked one."""
        try:
            pk, _dot, key = signing.Signer(salt=LINK_SALT).unsign(token).partition(".")
        except signing.BadSignature:
            return None
        if not pk.isdigit() or not key:
            return None
        return cls.objects.filter(pk=int(pk), token_key=key).first()

    def confirmation_token(self):
        """Signed token of the opt-in link; expires, and works once (the nonce is cleared on use)."""
        if not self.confirm_nonce:
            self.confirm_nonce = secrets.token_urlsafe(12)
        return signing.dumps([self.pk, self.confirm_nonce], salt=CONFIRM_SALT)

    @classmethod
    def read_confirmation_token(cls, token):
        """(subscriber or None, problem) where problem is "", "invalid", "expired" or "used"."""
        try:
            pk, nonce = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRM_MAX_AGE)
        except signing.SignatureExpired:
            return None, "expired"
        except (signing.BadSignature, ValueError, TypeError):
            return None, "invalid"
        subscriber = cls.objects.filter(pk=pk).first()
        if subscriber is None:
            return None, "invalid"
        if not subscriber.confirm_nonce or not secrets.compare_digest(subscriber.confirm_nonce, str(nonce)):
            return subscriber, "used"
        return subscriber, ""

    @property
    def is_receiving(self):
        return self.status == self.Status.ACTIVE and not self.paused

    def request_confirmation(self, *, now=None):
        """Pending again with a fresh one-time link to confirm; the caller mails it. False if already active.

        An address that had left (unsubscribed, bounced, complained) becomes pending, not active: only its
        owner's click on the link re-subscribes it.
        """
        if self.status == self.Status.ACTIVE:
            return False
        self.status = self.Status.PENDING
        self.confirm_nonce = ""
        self.confirmation_token()  # sets a fresh nonce
        self.confirmation_sent_at = now or timezone.now()
        self.save(update_fields=["status", "confirm_nonce", "confirmation_sent_at", "updated_at"])
        return True

    def confirm(self, *, now=None):
        now = now or timezone.now()
        self.status = self.Status.ACTIVE
        self.confirmed_at = now
        self.confirm_nonce = ""
        self.unsubscribed_at = None
        self.status_reason = ""
        self.save()

    def unsubscribe(self, *, reason="", now=None):
        """Idempotent: an address already out stays out, with its first date and reason."""
        if self.status in (self.Status.UNSUBSCRIBED, self.Status.BOUNCED, self.Status.COMPLAINED):
            return False
        self.status = self.Status.UNSUBSCRIBED
        self.unsubscribed_at = now or timezone.now()
        self.status_reason = reason[:255]
        self.confirm_nonce = ""
        self.save(update_fields=["status", "unsubscribed_at", "status_reason", "confirm_nonce", "updated_at"])
        return True

    def suppress(self, status, *, reason=""):
        """Stop mailing an address the provider reported as bounced or complaining."""
        self.status = status
        self.status_reason = reason[:255]
        self.unsubscribed_at = self.unsubscribed_at or timezone.now()
        self.save(update_fields=["status", "status_reason", "unsubscribed_at", "updated_at"])

    def export_data(self):
        """Everything stored about this subscriber, for the data-portability request."""
        return {
            "email": self.email,
            "statut": self.status,
            "frequence": self.frequency,
            "en_pause": self.paused,
            "rubriques": [section.name for section in self.sections.all()],
            "inscrit_le": self.created_at.isoformat(),
            "consentement": {
                "le": self.consent_at.isoformat() if self.consent_at else None,
                "version_du_texte": self.consent_version,
                "confirme_le": self.confirmed_at.isoformat() if self.confirmed_at else None,
            },
            "desabonne_le": self.unsubscribed_at.isoformat() if self.unsubscribed_at else None,
            "envois": [
                {
                    "edition": str(delivery.edition),
                    "statut": delivery.status,
                    "envoye_le": delivery.sent_at.isoformat() if delivery.sent_at else None,
                }
                for delivery in self.deliveries.select_related("edition__newsletter")
            ],
        }


class SubscriberSection(models.Model):
    """A section a subscriber follows. A followed section cannot be deleted (PROTECT): deleting it would
    silently turn those who followed only it into readers of every section."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE)
    section = models.ForeignKey(Section, verbose_name=_("rubrique"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "newsletter_subscriber_sections"  # the table of the former automatic many-to-many
        ordering = ["id"]
        verbose_name = _("rubrique suivie")
        verbose_name_plural = _("rubriques suivies")
        # The automatic many-to-many's own unique index, kept as it is in the database.
        unique_together = [("subscriber", "section")]

    def __str__(self):
        return _("%(email)s suit « %(section)s »") % {"email": self.subscriber.email, "section": self.section}


class Newsletter(models.Model):
    name = models.CharField(_("nom"), max_length=150, validators=[single_line])
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    frequency = models.CharField(
        _("fréquence"),
        max_length=10,
        choices=Frequency,
        help_text=_("Les abonnés ayant choisi cette fréquence reçoivent ses éditions."),
    )
    auto_send = models.BooleanField(
        _("envoi automatique"),
        default=False,
        help_text=_("Assembler et envoyer une édition chaque jour à 7 h (ou chaque lundi à 7 h), heure de Paris."),
    )
    from_name = models.CharField(_("nom de l’expéditeur"), max_length=100, blank=True, validators=[single_line])

    class Meta:
        ordering = ["name", "frequency"]
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        constraints = [models.UniqueConstraint(fields=["name", "frequency"], name="newsletter_unique_name_frequency")]

    def __str__(self):
        return f"{self.name} ({self.get_frequency_display().lower()})"

    def get_absolute_url(self):
        return reverse("admin:newsletter_newsletter_change", args=[self.pk])


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        SCHEDULED = "scheduled", _("Programmée")
        SENDING = "sending", _("En cours d’envoi")
        SENT = "sent", _("Envoyée")

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Édition")
        ALERT = "alert", _("Alerte")

    newsletter = models.ForeignKey(
        Newsletter, verbose_name=_("newsletter"), on_delete=models.PROTECT, related_name="editions"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind, default=Kind.DIGEST)
    subject = models.CharField(_("objet"), max_length=200, validators=[single_line])
    intro = models.TextField(_("introduction"), blank=True, help_text=_("Quelques lignes en tête de l’édition."))
    period_start = models.DateTimeField(_("début de la période"))
    period_end = models.DateTimeField(_("fin de la période"))
    articles = models.ManyToManyField(Article, through="EditionArticle", verbose_name=_("articles"), related_name="+")
    status = models.CharField(_("statut"), max_length=20, choices=Status, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(
        _("envoi programmé le"), null=True, blank=True, help_text=_("Laissez vide pour envoyer à la main.")
    )
    automatic = models.BooleanField(_("automatique"), default=False, editable=False)
    # The alert form's one-time value: the same form posted twice finds this edition instead of
    # sending a second alert. In the database, not the cache, so no cache outage or eviction loses it.
    nonce = models.CharField(_("jeton du formulaire"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    started_at = models.DateTimeField(_("envoi commencé le"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("envoi terminé le"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("édition")
        verbose_name_plural = _("éditions")
        permissions = [("send_edition", _("Peut envoyer une édition"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="edition_period_in_order"
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_at__isnull=False),
                name="edition_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=ONE_LINE_SUBJECT,
                name="edition_subject_one_line",
                violation_error_message=_("L’objet doit tenir sur une ligne, sans saut de ligne."),
            ),
            models.UniqueConstraint(fields=["nonce"], condition=~Q(nonce=""), name="edition_nonce_unique"),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("newsletter:edition", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)

    def visible_articles(self):
        """The edition's articles readers may see now, in the editor's order."""
        return (
            Article.objects.published()
            .filter(editionarticle__edition=self)
            .select_related("section", "source", "based_on__source", "featured_image", "live")
            .prefetch_related("authors")
            .defer("body")
            .order_by("editionarticle__position", "editionarticle__id")
        )

    def delivery_counts(self):
        """{status: count} for this edition's deliveries, plus "total"."""
        counts = dict(self.deliveries.values_list("status").annotate(n=Count("id")).order_by())
        counts["total"] = sum(counts.values())
        return counts


class EditionArticle(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE)
    article = models.ForeignKey(Article, verbose_name=_("article"), on_delete=models.CASCADE)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("article de l’édition")
        verbose_name_plural = _("articles de l’édition")
        constraints = [models.UniqueConstraint(fields=["edition", "article"], name="edition_article_once")]

    def __str__(self):
        return str(self.article)


class Delivery(models.Model):
    """One (edition, subscriber) pair: the ledger that makes sending resumable and exactly-once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("En file")
        SENDING = "sending", _("En cours")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")
        SKIPPED = "skipped", _("Non envoyé (rien de nouveau ou abonné parti)")

    edition = models.ForeignKey(Edition, verbose_name=_("édition"), on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("abonné"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    message_id = models.CharField(_("identifiant du message"), max_length=255, blank=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    # A claim is a lease: a worker that dies leaves its rows "sending" until claimed_at + lease has passed.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    # Set under the claim just before the message itself goes to the server (the fence, see sending.py):
    # a dead worker's row with it set is uncertain; without it, it was never handed over and is re-queued.
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        constraints = [models.UniqueConstraint(fields=["edition", "subscriber"], name="delivery_once_per_subscriber")]
        indexes = [models.Index(fields=["edition", "status"], name="delivery_edition_status_idx")]

    def __str__(self):
        return f"{self.edition} → {self.subscriber}"

    def get_absolute_url(self):
        return reverse("admin:newsletter_delivery_change", args=[self.pk])
