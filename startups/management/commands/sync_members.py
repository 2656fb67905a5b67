from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from startups.enums import MEMBER_SYNC_COUNTS, SyncStatus
from startups.members import members_sync


class Command(BaseCommand):
    help = (
        "Lit les membres des startups dans espace-membre (ESPACE_MEMBRE_URL) et propose les "
        "arrivées et départs aux équipes des incubateurs."
    )

    def handle(self, **options):
        self.stdout.write(f"Lecture de {settings.ESPACE_MEMBRE_URL}")
        run = members_sync(today=timezone.localdate())
        if run.status == SyncStatus.FAILED:
            raise CommandError(f"Lecture échouée, rien n’a été proposé : {run.reason}")
        for key, label in MEMBER_SYNC_COUNTS.items():
            self.stdout.write(f"{label} : {run.counts.get(key, 0)}")
        self.stdout.write(self.style.SUCCESS("Lecture terminée."))
