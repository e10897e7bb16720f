"""manage.py ingest_newsml PATH… — import AFP NewsML-G2 files or folders (recursively)."""

import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from articles import tasks, wire


class Command(BaseCommand):
    help = _("Importe des dépêches AFP NewsML-G2 (fichiers ou dossiers, récursivement).")

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH", help=_("Fichier .xml ou dossier."))
        parser.add_argument(
            "--drop-folder",
            action="store_true",
            help=_("Traiter le dossier de dépôt WIRE_DROP_DIR (fichiers rangés dans done/ ou quarantine/)."),
        )
        publish = parser.add_mutually_exclusive_group()
        publish.add_argument(
            "--publish", dest="auto_publish", action="store_true", default=None, help=_("Publier les dépêches.")
        )
        publish.add_argument(
            "--draft", dest="auto_publish", action="store_false", help=_("Les garder en brouillon « à valider ».")
        )

    def handle(self, *args, paths, drop_folder=False, auto_publish=None, **options):
        if drop_folder:
            counts = tasks.ingest_folder(drop_dir=settings.WIRE_DROP_DIR)
            self.stdout.write(", ".join(f"{n} {wire.Outcome(o).label}" for o, n in counts.items()) or _("rien à faire"))
            if counts.get(wire.Outcome.REJECTED):
                raise CommandError(_("%d élément(s) rejeté(s)") % counts[wire.Outcome.REJECTED])
            return
        if not paths:
            raise CommandError(_("Indiquez au moins un fichier ou un dossier, ou --drop-folder."))
        started = time.perf_counter()
        counts = Counter()
        for result in wire.ingest_paths(paths, auto_publish=auto_publish):
            counts[result.outcome] += 1
            style = self.style.ERROR if result.outcome == wire.Outcome.REJECTED else (lambda text: text)
            self.stdout.write(style(str(result)))
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{counts[o]} {o.label}" for o in wire.Outcome if counts[o]) or _("aucune dépêche")
        self.stdout.write(_("%(summary)s — %(total)d élément(s) en %(seconds).2f s") % {
            "summary": summary, "total": sum(counts.values()), "seconds": elapsed,
        })  # fmt: skip
        if counts[wire.Outcome.REJECTED]:
            raise CommandError(_("%d élément(s) rejeté(s)") % counts[wire.Outcome.REJECTED])
