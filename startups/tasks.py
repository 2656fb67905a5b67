"""The startups' jobs: the nightly sync from the beta.gouv.fr API, and the nightly reading of
espace-membre's members (`sync_members`). The task imports what it runs
inside its body, so the module that queues it (`startups/sync.py`) imports this one and the
graph has no loop. Its name, `startups.tasks.sync_betagouv`, stays: beat and the broker store it.
"""

from celery import shared_task
from django.utils import timezone

from .enums import SyncStatus
from .models import SyncRun


@shared_task
def sync_betagouv(run_id: int | None = None) -> None:
    """The run a person started (`run_id`), if it still waits; or, every night
    (CELERY_BEAT_SCHEDULE), a new one, unless one is running."""
    from .sync import sync_perform, sync_start

    if run_id is None:
        run, new = sync_start()
        if not new:
            return
    else:
        run = SyncRun.objects.filter(pk=run_id, status=SyncStatus.RUNNING).first()
        if run is None:
            return
    sync_perform(run, today=timezone.localdate())


@shared_task
def sync_members() -> None:
    """Every night (CELERY_BEAT_SCHEDULE): read espace-membre and propose the teams' changes.
    Safe to run twice: a proposal is made once (startups/members.py)."""
    from .members import members_sync

    members_sync(today=timezone.localdate())
