"""Who may do what with a startup's semester reports.

Only the startup's team writes and submits; the staff of its incubators (and superusers) read
every version and review; the representatives of its sponsors read what was submitted: the versions submitted, once the
report has one (a report sent back for changes keeps its submitted version readable while the
team writes the next one). Everyone else: 403.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from startups.models import IncubatorStaff, SponsorRepresentative, Startup, TeamMembership

from ..enums import ReportStatus
from ..models import SemesterReport


@dataclass(frozen=True)
class ReportRoles:
    team: bool
    staff: bool
    sponsor: bool

    @property
    def any(self) -> bool:
        return self.team or self.staff or self.sponsor

    def can_read(self, report: SemesterReport | None) -> bool:
        if self.team or self.staff:
            return True
        return self.sponsor and report is not None and report.status != ReportStatus.DRAFT


def report_roles(user, startup: Startup) -> ReportRoles:
    """This person's roles on this startup, in one query."""
    staffed = IncubatorStaff.objects.filter(user=user).values("incubator_id")
    roles = (
        Startup.objects.filter(pk=startup.pk)
        .annotate(
            team=Exists(TeamMembership.objects.filter(user=user, startup=OuterRef("pk"))),
            staff=Exists(
                Startup.objects.filter(pk=OuterRef("pk")).filter(
                    Q(incubator_id__in=staffed) | Q(co_incubators__in=staffed)
                )
            ),
            sponsor=Exists(
                SponsorRepresentative.objects.filter(
                    user=user, organisation__sponsored_startups=OuterRef("pk")
                )
            ),
        )
        .values("team", "staff", "sponsor")
        .get()
    )
    return ReportRoles(
        team=roles["team"], staff=roles["staff"] or user.is_superuser, sponsor=roles["sponsor"]
    )


def get_startup_for_reports(request, slug: str) -> tuple[Startup, ReportRoles]:
    """The startup whose reports page this person may open (team, staff, sponsor), or 404/403."""
    startup = get_object_or_404(
        Startup.objects.select_related("incubator").prefetch_related("sponsors"), slug=slug
    )
    roles = report_roles(request.user, startup)
    if not roles.any:
        raise PermissionDenied(
            "Les bilans sont réservés à l’équipe, à l’incubateur et aux sponsors."
        )
    return startup, roles


def get_report_for(request, slug: str, semester: str, *, to: str = "read"):
    """The report, the startup and the person's roles, if they may `read`, `edit` (the team)
    or `review` (staff) it; else 404 / 403."""
    startup, roles = get_startup_for_reports(request, slug)
    report = get_object_or_404(SemesterReport, startup=startup, semester=semester)
    report.startup = startup
    allowed = {"read": roles.can_read(report), "edit": roles.team, "review": roles.staff}[to]
    if not allowed:
        raise PermissionDenied(
            {
                "read": "Les sponsors lisent les bilans une fois soumis.",
                "edit": "Seule l’équipe de la startup rédige son bilan.",
                "review": "Seule l’équipe de l’incubateur relit les bilans.",
            }[to]
        )
    return report, startup, roles
