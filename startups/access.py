"""Who may read and change a startup's own data (metrics, budget, reports).

The portfolio itself (phases, sponsors, rounds) is public beta.gouv.fr data that every signed-in
person browses. A startup's own figures are read by its team, the staff of its incubators, the
representatives of its sponsors and superusers, and changed by its team, its incubators' staff
and superusers. One function per question, so that no view forgets a check.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Q
from django.shortcuts import get_object_or_404

from .models import (
    Contribution,
    Incubator,
    IncubatorStaff,
    MembershipProposal,
    Organisation,
    SponsorRepresentative,
    Startup,
    SyncRun,
)


def editable_startups(user):
    if user.is_superuser:
        return Startup.objects.all()
    return Startup.objects.filter(
        Q(memberships__user=user)
        | Q(incubator__staff__user=user)
        | Q(co_incubators__staff__user=user)
    ).distinct()


def readable_startups(user):
    if user.is_superuser:
        return Startup.objects.all()
    return Startup.objects.filter(
        Q(pk__in=editable_startups(user).values("pk")) | Q(sponsors__representatives__user=user)
    ).distinct()


def staffed_startups(user):
    """The startups of the incubators this person works for (as staff, not as a team)."""
    if user.is_superuser:
        return Startup.objects.all()
    staffed = IncubatorStaff.objects.filter(user=user).values("incubator_id")
    return Startup.objects.filter(
        Q(incubator_id__in=staffed) | Q(co_incubators__in=staffed)
    ).distinct()


def can_staff(user, startup) -> bool:
    return user.is_authenticated and staffed_startups(user).filter(pk=startup.pk).exists()


def can_edit(user, startup) -> bool:
    return user.is_authenticated and editable_startups(user).filter(pk=startup.pk).exists()


def can_read(user, startup) -> bool:
    return user.is_authenticated and readable_startups(user).filter(pk=startup.pk).exists()


def purchasing_organisations(user):
    """The organisations whose purchasing addresses this person sets: the sponsors of the
    startups of the incubators they work for (all of them for superusers)."""
    if user.is_superuser:
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=staffed_startups(user).values("sponsors")).distinct()


def get_organisation_for_purchasing(request, slug: str) -> Organisation:
    """The organisation whose purchasing addresses this person may set, or 404 / 403."""
    organisation = get_object_or_404(Organisation, slug=slug)
    if not purchasing_organisations(request.user).filter(pk=organisation.pk).exists():
        raise PermissionDenied(
            "Réservé aux équipes des incubateurs qui suivent une startup de ce sponsor."
        )
    return organisation


def get_startup_for_editor(request, slug: str) -> Startup:
    """The startup whose data this person may change, or 404 / 403."""
    startup = get_object_or_404(Startup, slug=slug)
    if not can_edit(request.user, startup):
        raise PermissionDenied(
            "Seules l’équipe de la startup et son incubateur peuvent la modifier."
        )
    return startup


def get_startup_for_staff(request, slug: str) -> Startup:
    """The startup this person follows as its incubator's staff, or 404 / 403."""
    startup = get_object_or_404(Startup, slug=slug)
    if not can_staff(request.user, startup):
        raise PermissionDenied("Réservé à l’équipe de l’incubateur de la startup.")
    return startup


def get_incubator_for_staff(request, slug: str) -> Incubator:
    """The incubator this person works for as staff (any, for superusers), or 404 / 403."""
    incubator = get_object_or_404(Incubator, slug=slug)
    user = request.user
    if not (user.is_superuser or incubator.staff.filter(user=user).exists()):
        raise PermissionDenied("Réservé à l’équipe de l’incubateur.")
    return incubator


def get_startup_for_reader(request, slug: str) -> Startup:
    """The startup whose figures this person may read, or 404 / 403."""
    startup = get_object_or_404(Startup, slug=slug)
    if not can_read(request.user, startup):
        raise PermissionDenied(
            "Ces données sont réservées à l’équipe, à l’incubateur et aux sponsors."
        )
    return startup


def get_sync_runs_for(request):
    """The syncs from beta.gouv.fr, for the staff of any incubator and superusers; or 403."""
    user = request.user
    if not (user.is_superuser or IncubatorStaff.objects.filter(user=user).exists()):
        raise PermissionDenied("Réservé aux équipes des incubateurs.")
    return SyncRun.objects.all()


def get_member_proposals_for(request):
    """The proposals from espace-membre of the startups this person follows as incubator staff
    (all of them for superusers); 403 for anyone who is neither."""
    user = request.user
    if not (user.is_superuser or IncubatorStaff.objects.filter(user=user).exists()):
        raise PermissionDenied("Réservé aux équipes des incubateurs.")
    return MembershipProposal.objects.filter(startup__in=staffed_startups(user))


def funded_startups(organisation):
    """The startups an organisation funds: it is among their sponsors or contributes to one of
    their funding rounds."""
    sponsored = Startup.sponsors.through.objects.filter(organisation=organisation)
    contributed = Contribution.objects.filter(organisation=organisation)
    return Startup.objects.filter(
        Q(pk__in=sponsored.values("startup_id"))
        | Q(pk__in=contributed.values("funding_round__startup_id"))
    )


def represents(user, organisation) -> bool:
    return (
        user.is_authenticated
        and SponsorRepresentative.objects.filter(user=user, organisation=organisation).exists()
    )


def portfolio_startups(user, organisation):
    """The part of an organisation's portfolio (money included) this person may see: all of
    it for its representatives and superusers, the startups of their incubators (co-incubated
    included) for incubator staff, nothing for anyone else."""
    funded = funded_startups(organisation)
    if user.is_superuser or represents(user, organisation):
        return funded
    return funded.filter(pk__in=staffed_startups(user).values("pk"))


def can_see_portfolio(user, organisation) -> bool:
    """Whether this person may open an organisation's portfolio: its representatives (even
    before it funds anything), the staff of an incubator with one of its startups, superusers.
    One query."""
    if user.is_superuser:
        return True
    if not user.is_authenticated:
        return False
    represents = SponsorRepresentative.objects.filter(user=user, organisation=organisation)
    staffed = funded_startups(organisation).filter(pk__in=staffed_startups(user).values("pk"))
    return Organisation.objects.filter(
        Q(Exists(represents)) | Q(Exists(staffed)), pk=organisation.pk
    ).exists()


def get_portfolio_for(request, slug: str):
    """An organisation and the startups of its portfolio this person may see, or 404 / 403:
    one query for a representative, two for incubator staff."""
    organisation = get_object_or_404(Organisation, slug=slug)
    user = request.user
    if user.is_superuser or represents(user, organisation):
        return organisation, funded_startups(organisation)
    if not can_see_portfolio(user, organisation):
        raise PermissionDenied(
            "Le portefeuille d’un sponsor est réservé à ses représentant·es et aux équipes "
            "des incubateurs de ses startups."
        )
    return organisation, funded_startups(organisation).filter(
        pk__in=staffed_startups(user).values("pk")
    )
