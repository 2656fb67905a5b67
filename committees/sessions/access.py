"""Who may do what with a committee's sessions.

- read a session (agenda, attendance, tallies once closed, decisions): the committee's members,
  the staff of its incubator, superusers, and the teams of the startups on its agenda;
- manage it (schedule, agenda, convene, copy, members): the staff of the committee's incubator,
  its secretary, superusers;
- chair it (attendance, open and close votes, decide, close the session): its chair only;
- prepare it (grids, conflicts): its voting members, and those who oversee the preparation
  (the chair, the staff, the secretary);
- vote: its voting members (chair and sponsors' representatives), present and not recused.

The views ask `get_session_for(request, pk, to=...)`, then `get_review_in(session, review_pk)`
for an item of its agenda; the services ask `require_chair(session, by)`. The vote, sent by
fifty people at once, has its own two-query helper, `get_vote_for`.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from startups.models import IncubatorStaff, TeamMembership

from ..enums import VOTING_ROLES, MemberRole
from ..models import CommitteeMember, Review, Session


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
    "prepare": "La préparation de la séance est réservée aux membres votants du comité.",
    "decide": "Seul·e le·la président·e du comité enregistre les décisions.",
}


def get_session_for(request, pk: int, *, to: str = "read") -> tuple[Session, SessionRoles]:
    """The session and the person's roles if they may `read`, `manage`, `chair`, `prepare` or
    `vote`; else 404 / 403."""
    session = get_object_or_404(Session.objects.select_related("committee__incubator"), pk=pk)
    roles = session_roles(request.user, session)
    allowed = {
        "read": roles.reader,
        "manage": roles.manager,
        "chair": roles.chair,
        "vote": roles.voter,
        "prepare": roles.voter or roles.manager,
    }[to]
    if not allowed:
        # Preparing asks to read first: who may not read the session is told that.
        raise PermissionDenied(MESSAGES["read" if to == "prepare" and not roles.reader else to])
    return session, roles


def get_review_in(session: Session, review_pk: int) -> Review:
    """An item of the agenda of a session the person was let into (`get_session_for`); 404 for
    an item of another session."""
    review = get_object_or_404(
        Review.objects.select_related("startup__incubator"), session=session, pk=review_pk
    )
    review.session = session
    return review


def get_vote_for(request, pk, review_pk) -> tuple[Review, CommitteeMember]:
    """The agenda item and the person's voting seat, or 404 / 403: the rule "vote" (the
    committee's voting members) in two queries, for the request fifty people send at once."""
    review = get_object_or_404(
        Review.objects.select_related("session__committee", "startup"),
        pk=review_pk,
        session_id=pk,
    )
    member = (
        CommitteeMember.objects.filter(
            committee_id=review.session.committee_id, user=request.user, role__in=VOTING_ROLES
        )
        .select_related("user")
        .first()
    )
    if member is None:
        raise PermissionDenied(MESSAGES["vote"])
    return review, member


def require_chair(session: Session, by, *, to: str = "chair") -> None:
    """For a service: 403 unless `by` chairs the session's committee (one query)."""
    is_chair = CommitteeMember.objects.filter(
        committee_id=session.committee_id, user=by, role=MemberRole.CHAIR
    ).exists()
    if not is_chair:
        raise PermissionDenied(MESSAGES[to])
