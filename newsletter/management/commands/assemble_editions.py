from django.core.management.base import BaseCommand

from newsletter import editions


class Command(BaseCommand):
    help = (
        "Assemble and start the automatic editions that are due (daily 07:00, weekly Monday 07:00, "
        "Europe/Paris), start scheduled editions whose time has come, and relaunch stalled sendings. "
        "Run it every minute (cron or a systemd timer); running it twice does no harm."
    )

    def handle(self, *args, **options):
        assembled = editions.assemble_due_editions()
        for edition in assembled:
            self.stdout.write(
                f"Assembled edition {edition.pk}: {edition.subject} ({edition.articles.count()} articles)"
            )
        started = editions.start_due_editions()
        if started:
            self.stdout.write(f"Started {started} scheduled edition(s).")
        if not assembled and not started and options["verbosity"] > 1:
            self.stdout.write("Nothing due.")
