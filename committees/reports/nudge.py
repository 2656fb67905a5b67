""" "Relancer": incubator staff e-mail a startup's team about a report that is missing or not
submitted, at most once a day per report, and the reports list says when it was last done."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.outbox import message_post
from accounts.tasks import send_email
from startups.models import Startup

from ..audit import audit
from ..enums import AuditAction
from ..models import AuditEvent
from .reminders import absolute, day_label, email
from .services import report_deadline

NUDGE_EVERY = datetime.timedelta(days=1)


def nudges(startups) -> dict[tuple[str, str], datetime.datetime]:
    """{(startup slug, semester key): when its team was last nudged} for these startups: one
    query."""
    slugs = [startup.slug for startup in startups]
    last = {}
    for detail, at in (
        AuditEvent.objects.filter(action=AuditAction.REPORT_NUDGED, detail__startup__in=slugs)
        .order_by("at")
        .values_list("detail", "at")
    ):
        last[(detail["startup"], detail["semester"])] = at
    return last


@transaction.atomic
def report_nudge(*, startup: Startup, semester, by) -> int:
    """E-mail the team; refused (ValidationError) if it was nudged for this report less than a
    day ago, or has nobody to write to. Returns how many people it writes to."""
    Startup.objects.select_for_update().get(pk=startup.pk)  # two clicks: one e-mail
    last = nudges([startup]).get((startup.slug, semester.key))
    if last and timezone.now() - last < NUDGE_EVERY:
        raise ValidationError(
            f"L’équipe {startup.name} a déjà été relancée le "
            f"{timezone.localtime(last):%d/%m/%Y à %H:%M} : une relance par jour au plus."
        )
    team = [m.user for m in startup.memberships.select_related("user") if m.user.is_active]
    if not team:
        raise ValidationError(
            f"Personne de l’équipe {startup.name} n’a de compte Comité : invitez-la d’abord."
        )
    deadline = report_deadline(startup, today=timezone.localdate())
    due = deadline.due_on if deadline and deadline.semester == semester else None
    context = {
        "startup": startup,
        "semester": semester,
        "due_on": day_label(due) if due else "",
        "by": by,
        "link": absolute(reverse("committees:startup-reports", args=[startup.slug])),
    }
    subject = f"Bilan semestriel de {startup.name} ({semester}) : votre incubateur vous relance"
    message_post(send_email, **email("report_nudge", subject, context, team))
    audit(
        action=AuditAction.REPORT_NUDGED,
        actor=by,
        startup=startup.slug,
        semester=semester.key,
        recipients=len(team),
    )
    return len(team)
