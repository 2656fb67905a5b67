"""How long personal data is kept (docs/data.md, the "Données personnelles" page), enforced
each night (`committees.tasks.apply_retention`):

- signed-in sessions past their age (`SESSION_COOKIE_AGE`) are deleted;
- the private notes of a member's preparation are erased `PRIVATE_NOTES_RETENTION_DAYS` after
  their session closed; the grid scores stay (the minutes and the dossiers do not show them,
  but the record of what was scored is kept).

Magic links are signed and never stored; the e-mails of the outbox are deleted 30 days after
they went (`accounts.outbox.KEEP_DONE`, by the outbox relay).
"""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session as SignedInSession
from django.utils import timezone

from .models import Assessment


def retention_apply(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """What was deleted or erased, by kind."""
    now = now or timezone.now()
    sessions, _ = SignedInSession.objects.filter(expire_date__lt=now).delete()
    closed_before = now - datetime.timedelta(days=settings.PRIVATE_NOTES_RETENTION_DAYS)
    notes = (
        Assessment.objects.filter(review__session__closed_at__lt=closed_before)
        .exclude(notes="")
        .update(notes="")
    )
    return {"sessions": sessions, "private_notes": notes}
