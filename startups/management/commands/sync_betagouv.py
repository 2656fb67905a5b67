from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from startups.management.commands.import_betagouv import summary
from startups.sync import sync_perform, sync_start


class Command(BaseCommand):
    help = "Synchronise le portefeuille depuis l’API publique de beta.gouv.fr (BETAGOUV_API_URL)."

    def handle(self, **options):
        run, new = sync_start()
        if not new:
            raise CommandError(
                f"Une synchronisation est déjà en cours depuis le "
                f"{timezone.localtime(run.started_at):%d/%m/%Y à %H:%M} : attendez sa fin."
            )
        self.stdout.write(f"Lecture de {settings.BETAGOUV_API_URL}")
        report = sync_perform(run, today=timezone.localdate())
        for line in summary(run.counts):
            self.stdout.write(line)
        if report is None:
            raise CommandError(f"Synchronisation échouée, rien n’a été écrit : {run.reason}")
        for slug, changes in run.change_rows:
            self.stdout.write(f"{slug} : {changes}")
        if report.changed:
            self.stdout.write(self.style.SUCCESS("Synchronisation terminée."))
        else:
            self.stdout.write(self.style.SUCCESS("Aucun changement : la base était déjà à jour."))
