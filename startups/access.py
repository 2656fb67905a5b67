"""Who may read and change a startup's own data (metrics, budget, reports).

The portfolio itself (phases, sponsors, rounds) is public beta.gouv.fr data that every signed-in
person browses. A startup's own figures are read by its team, the staff of its incubators, the
representatives of its sponsors and superusers, and changed by its team, its incubators' staff
and superusers. One function per question, so that no view forgets a check.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from .models import IncubatorStaff, MembershipProposal, Startup, SyncRun


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
