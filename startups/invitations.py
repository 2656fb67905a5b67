"""Bringing people in: a startup's team member, a sponsor's representative or an incubator's
staff, invited by e-mail (`accounts.invitations`). The membership is made at once, with the
account when the address has none; it shows as pending until the person first signs in.
Ending a membership deletes it, never the account."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.invitations import account_for_invitation, invitation_send
from comite.french import de

from .models import IncubatorStaff, SponsorRepresentative, TeamMembership


def team_place(startup) -> str:
    return f"l’équipe {de(startup.name)}"


def sponsor_place(organisation) -> str:
    return f"l’espace sponsor {de(organisation)}"


def staff_place(incubator) -> str:
    return f"l’équipe de l’incubateur {incubator.title}"


def _invite(model, place: str, *, email: str, by, defaults=None, **membership):
    """Make the membership (refused when it exists) and send its invitation, in one
    transaction: an invitation refused writes nothing."""
    with transaction.atomic():
        user = account_for_invitation(email)
        membership, created = model.objects.get_or_create(
            user=user, defaults=defaults, **membership
        )
        if not created:
            raise ValidationError({"email": f"{user.email} en fait déjà partie."})
        invitation_send(user=user, place=place, by=by)
    return membership


def team_invite(*, startup, email: str, role: str, by) -> TeamMembership:
    return _invite(
        TeamMembership,
        team_place(startup),
        email=email,
        by=by,
        startup=startup,
        defaults={"role": role},
    )


def sponsor_invite(*, organisation, email: str, by) -> SponsorRepresentative:
    return _invite(
        SponsorRepresentative,
        sponsor_place(organisation),
        email=email,
        by=by,
        organisation=organisation,
    )


def staff_invite(*, incubator, email: str, by) -> IncubatorStaff:
    return _invite(IncubatorStaff, staff_place(incubator), email=email, by=by, incubator=incubator)


def invitation_resend(*, membership, by) -> None:
    """A new e-mail for a membership's pending invitation (refused within RESEND_AFTER)."""
    if membership.user.last_login is not None:
        raise ValidationError(f"{membership.user} s’est déjà connecté·e : rien à renvoyer.")
    with transaction.atomic():
        invitation_send(user=membership.user, place=place_of(membership), by=by)


def place_of(membership) -> str:
    if isinstance(membership, TeamMembership):
        return team_place(membership.startup)
    if isinstance(membership, SponsorRepresentative):
        return sponsor_place(membership.organisation)
    return staff_place(membership.incubator)
