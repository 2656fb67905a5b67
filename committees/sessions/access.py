"""Who may do what with a committee's sessions.

- read a session (agenda, attendance, tallies once closed, decisions): the committee's members,
  the staff of its incubator, superusers, and the teams of the startups on its agenda;
- manage it (schedule, agenda, convene, copy, members): the staff of the committee's incubator,
  its secretary, superusers;
- chair it (attendance, open and close votes, decide, close the session): its chair only;
- vote: its voting members (chair and sponsors' representatives), present and not recused.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from startups.models import IncubatorStaff, TeamMembership

from ..enums import MemberRole
from ..models import CommitteeMember, Session


@dataclass(frozen=True)
class SessionRoles:
    member: CommitteeMember | None
    staff: bool
    team: bool

    @property
    def chair(self) -> bool:
        return self.member is not None and self.member.role == MemberRole.CHAIR

    @property
    def voter(self) -> bool:
        return self.member is not None and self.member.votes

    @property
    def manager(self) -> bool:
        return self.staff or (self.member is not None and self.member.role == MemberRole.SECRETARY)

    @property
    def reader(self) -> bool:
        return self.member is not None or self.staff or self.team


def session_roles(user, session: Session) -> SessionRoles:
    """This person's roles on this session: 3 queries."""
    committee = session.committee
    member = (
        CommitteeMember.objects.filter(committee=committee, user=user)
        .select_related("user", "organisation")
        .first()
    )
    staff = user.is_superuser or (
        committee.incubator_id is not None
        and IncubatorStaff.objects.filter(user=user, incubator_id=committee.incubator_id).exists()
    )
    team = TeamMembership.objects.filter(user=user, startup__reviews__session=session).exists()
    return SessionRoles(member=member, staff=staff, team=team)


MESSAGES = {
    "read": "Cette séance est réservée aux membres du comité, à l’incubateur et aux équipes "
    "inscrites à l’ordre du jour.",
    "manage": "Seuls l’incubateur et le secrétariat du comité préparent ses séances.",
    "chair": "Seul·e le·la président·e du comité conduit la séance.",
    "vote": "Seuls les membres votants du comité votent.",
}


def get_session_for(request, pk: int, *, to: str = "read") -> tuple[Session, SessionRoles]:
    """The session and the person's roles if they may `read`, `manage`, `chair` or `vote`;
    else 404 / 403."""
    session = get_object_or_404(Session.objects.select_related("committee__incubator"), pk=pk)
    roles = session_roles(request.user, session)
    allowed = {
        "read": roles.reader,
        "manage": roles.manager,
        "chair": roles.chair,
        "vote": roles.voter,
    }[to]
    if not allowed:
        raise PermissionDenied(MESSAGES[to])
    return session, roles
