from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsletter import editions


class Command(BaseCommand):
    help = (
        "Assemble et lance les éditions automatiques dues (chaque jour à 7 h, chaque lundi à 7 h, heure de "
        "Paris), lance les éditions programmées dont l’heure est venue et relance les envois interrompus. "
        "À lancer chaque minute ; deux exécutions simultanées sont sans danger."
    )

    def handle(self, *args, **options):
        assembled = editions.assemble_due_editions()
        for edition in assembled:
            count = edition.articles.count()
            self.stdout.write(
                ngettext(
                    "Édition %(pk)d assemblée : %(subject)s (%(count)d article)",
                    "Édition %(pk)d assemblée : %(subject)s (%(count)d articles)",
                    count,
                )
                % {"pk": edition.pk, "subject": edition.subject, "count": count}
            )
        started = editions.start_due_editions()
        if started:
            self.stdout.write(
                ngettext("%(count)d édition programmée lancée.", "%(count)d éditions programmées lancées.", started)
                % {"count": started}
            )
        if not assembled and not started and options["verbosity"] > 1:
            self.stdout.write(_("Rien à envoyer pour l’instant."))
