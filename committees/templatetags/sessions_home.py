"""The home page's "Mes séances" block for committee members (startups' home view cannot import
committees: the block comes from this inclusion tag)."""

from django import template
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from ..enums import VOTING_ROLES, DocumentKind, DocumentStatus, SessionKind, SessionStatus
from ..models import CommitteeMember, Document, Session
from ..reports.reminders import NOT_SUBMITTED
from ..reports.services import report_deadline
from .decisions import in_force

register = template.Library()


@register.inclusion_tag("committees/_my_sessions.html", takes_context=True)
def my_sessions(context) -> dict:
    """The upcoming sessions of the committees this person sits on, with their role: one query."""
    user = context["request"].user
    if not user.is_authenticated:
        return {"sessions": []}
    role = CommitteeMember.objects.filter(committee=OuterRef("committee"), user=user).values(
        "role"
    )[:1]
    sessions = list(
        # The sessions to come, and the written procedures under way (opened in the past).
        Session.objects.filter(
            Q(starts_at__date__gte=timezone.localdate()) | Q(kind=SessionKind.WRITTEN)
        )
        .exclude(status__in=[SessionStatus.CLOSED, SessionStatus.CANCELLED])
        .annotate(my_role=Subquery(role))
        .filter(my_role__isnull=False)
        .select_related("committee")
        .order_by("starts_at")
    )
    for session in sessions:
        session.i_vote = session.my_role in VOTING_ROLES
    return {"sessions": sessions}


@register.inclusion_tag("committees/_team_home.html", takes_context=True)
def team_home(context, startup) -> dict:
    """What a team needs on its home page for one of its startups: the session it goes to next,
    its report's deadline and state, its dossier and the last minutes. Four queries a startup
    (a team has one or two)."""
    today = timezone.localdate()
    deadline = report_deadline(startup, today=today)
    session = deadline.session if deadline else None
    report = startup.reports.filter(semester=deadline.semester.key).first() if deadline else None
    dossier = (
        Document.objects.filter(
            kind=DocumentKind.DOSSIER,
            review__session=session,
            review__startup=startup,
            status=DocumentStatus.DONE,
        ).first()
        if session
        else None
    )
    last = (
        in_force()
        .filter(review__startup=startup, review__session__status=SessionStatus.CLOSED)
        .order_by("-review__session__starts_at", "-id")
        .first()
    )
    return {
        "startup": startup,
        "today": today,
        "deadline": deadline,
        "countdown": deadline.countdown(today) if deadline else "",
        "late": deadline is not None and deadline.due_on < today and not submitted(report),
        "session": session,
        "report": report,
        "dossier": dossier,
        "last_decision": last,
    }


def submitted(report) -> bool:
    return report is not None and report.status not in NOT_SUBMITTED
