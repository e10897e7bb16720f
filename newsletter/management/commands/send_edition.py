import sys

from django.core.management.base import BaseCommand, CommandError

from newsletter import editions, sending
from newsletter.models import Edition


class Command(BaseCommand):
    help = (
        "Send an edition from this process, with a progress bar. Starts a draft or scheduled edition, "
        "or resumes one left half-sent; other workers (db_worker) may share it at the same time."
    )

    def add_arguments(self, parser):
        parser.add_argument("edition_id", type=int)
        parser.add_argument(
            "--rate", type=float, default=None, help="Messages per second (default: NEWSLETTER_SEND_RATE)."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Deliveries claimed at once.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *, edition_id, rate, batch_size, no_progress, verbosity, **options):
        edition = Edition.objects.filter(pk=edition_id).select_related("newsletter").first()
        if edition is None:
            raise CommandError(f"Edition {edition_id} does not exist.")
        if edition.status == Edition.Status.SENT:
            self.stdout.write(f"Edition {edition_id} was already sent.")
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
            f"Edition {edition_id}: {counts.get('sent', 0)} sent, {counts.get('failed', 0)} failed, "
            f"{counts.get('skipped', 0)} skipped, {counts.get('queued', 0)} queued, of {counts['total']} "
            f"— {edition.get_status_display()}."
        )
        if result.interrupted:
            raise CommandError(f"Mail server unavailable, sending paused: {result.interrupted}. Run again to resume.")

    def draw(self, counts):
        total = counts.get("total", 0) or 1
        done = counts.get("sent", 0) + counts.get("failed", 0) + counts.get("skipped", 0)
        width = 40
        filled = int(width * done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(f"\r[{bar}] {done}/{counts.get('total', 0)} ({100 * done // total}%)", ending="")
        sys.stdout.flush()
