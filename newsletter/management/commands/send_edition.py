import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from newsletter import editions, sending
from newsletter.models import Edition


class Command(BaseCommand):
    help = (
        "Envoie une édition depuis ce processus, avec une barre de progression. Lance une édition en "
        "préparation ou programmée, ou reprend un envoi interrompu ; d’autres processus (db_worker) "
        "peuvent la partager en même temps."
    )

    def add_arguments(self, parser):
        parser.add_argument("edition_id", type=int)
        parser.add_argument(
            "--rate", type=float, default=None, help="Messages par seconde (par défaut : NEWSLETTER_SEND_RATE)."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Envois réservés à la fois.")
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression (pour les journaux).")

    def handle(self, *, edition_id, rate, batch_size, no_progress, verbosity, **options):
        edition = Edition.objects.filter(pk=edition_id).select_related("newsletter").first()
        if edition is None:
            raise CommandError(_("L’édition %(pk)d n’existe pas.") % {"pk": edition_id})
        if edition.status == Edition.Status.SENT:
            self.stdout.write(_("L’édition %(pk)d a déjà été envoyée.") % {"pk": edition_id})
            return
        if edition.is_editable:
            editions.start_edition(edition=edition, enqueue=False)
        show = not no_progress and verbosity > 0

        def progress(_result):
            if show:
                self.draw(edition.delivery_counts())

        result = sending.deliver_edition(edition_id=edition_id, rate=rate, batch_size=batch_size, progress=progress)
        counts = edition.delivery_counts()
        if show:
            self.draw(counts)
            self.stdout.write("")
        edition.refresh_from_db()
        self.stdout.write(
            _(
                "Édition %(pk)d : %(sent)d envoyés, %(failed)d en échec, %(skipped)d non envoyés, "
                "%(queued)d en attente, sur %(total)d — %(status)s."
            )
            % {
                "pk": edition_id,
                "sent": counts.get("sent", 0),
                "failed": counts.get("failed", 0),
                "skipped": counts.get("skipped", 0),
                "queued": counts.get("queued", 0),
                "total": counts["total"],
                "status": edition.get_status_display(),
            }
        )
        if result.interrupted:
            message = _("Serveur de messagerie indisponible, envoi suspendu : %(error)s.")
            resume = _("Relancez la commande pour reprendre.")
            raise CommandError(f"{message % {'error': result.interrupted}} {resume}")

    def draw(self, counts):
        total = counts.get("total", 0) or 1
        done = counts.get("sent", 0) + counts.get("failed", 0) + counts.get("skipped", 0)
        width = 40
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{counts.get('total', 0)} ({100 * done // total}%)", ending="")
        sys.stdout.flush()
