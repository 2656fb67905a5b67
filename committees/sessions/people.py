"""Personal data across Comité: erasing a person without losing the decisions.

This lives in the top app because a person's data spans all of them (accounts ← startups ←
metrics ← committees). What is erased: the account's name, address and password (it is closed
for good), the person's roles (team, incubator staff, sponsor's representative), the proposals
from espace-membre made for their address and the private notes of their assessments. What stays, attributed to "Compte supprimé": the committee
memberships, votes, grid scores, decisions, reports, comments and the audit trail — the record
of how public money was decided.
"""

from django.db import transaction

from accounts.models import User
from accounts.services import user_erase
from startups.models import (
    IncubatorStaff,
    MembershipProposal,
    SponsorRepresentative,
    TeamMembership,
)

from ..models import Assessment


@transaction.atomic
def person_erase(*, user: User) -> User:
    for roles in (TeamMembership, IncubatorStaff, SponsorRepresentative):
        roles.objects.filter(user=user).delete()
    MembershipProposal.objects.filter(email=user.email).delete()
    Assessment.objects.filter(member__user=user).update(notes="")
    return user_erase(user=user)
