"""The home page's "Mes séances" block for committee members (startups' home view cannot import
committees: the block comes from this inclusion tag)."""

from django import template
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from ..enums import VOTING_ROLES, SessionKind, SessionStatus
from ..models import CommitteeMember, Session

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
        .exclude(status=SessionStatus.CLOSED)
        .annotate(my_role=Subquery(role))
        .filter(my_role__isnull=False)
        .select_related("committee")
        .order_by("starts_at")
    )
    for session in sessions:
        session.i_vote = session.my_role in VOTING_ROLES
    return {"sessions": sessions}
