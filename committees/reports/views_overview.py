"""Staff's list of the reports expected for the next sessions, and of the startups due for a
committee that no session has on its agenda yet."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from comite.french import de
from startups.access import get_startup_for_staff, staffed_startups
from startups.dates import Semester, stale_before
from startups.models import Startup

from ..enums import ReportStatus
from ..models import REPORT_LEAD_DAYS, Review, SemesterReport, Session, report_semester
from .nudge import nudges, report_nudge

MISSING = "missing"
# In the order a report goes through them, "missing" first: the staff's filter and counts.
STATUSES = {
    MISSING: "Manquant",
    ReportStatus.DRAFT.value: ReportStatus.DRAFT.label,
    ReportStatus.CHANGES_REQUESTED.value: ReportStatus.CHANGES_REQUESTED.label,
    ReportStatus.SUBMITTED.value: ReportStatus.SUBMITTED.label,
    ReportStatus.ACCEPTED.value: ReportStatus.ACCEPTED.label,
}
# Startups due for a committee this soon and on no agenda yet: a session is to be planned.
DUE_WITHIN_DAYS = 60


@dataclass
class Row:
    """One expected report: the startup, when it is due, and the report if it was started."""

    startup: Startup
    due_on: datetime.date
    semester: Semester
    report: SemesterReport | None
    nudged_at: datetime.datetime | None = None  # when staff last nudged the team ("Relancer")

    @property
    def nudgeable(self) -> bool:
        return self.status in {MISSING, ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED}

    @property
    def status(self) -> str:
        return self.report.status if self.report else MISSING

    @property
    def submitted_at(self) -> datetime.datetime | None:
        """When its last version was submitted (the report's own annotation)."""
        return self.report.last_submitted_at if self.report else None


def with_submission_date(reports):
    return reports.annotate(last_submitted_at=Max("versions__submitted_at"))


def counts(rows: list[Row]) -> list[tuple[str, str, int]]:
    """(status, label, how many) for the statuses present, in workflow order."""
    counted = Counter(row.status for row in rows)
    return [
        (status, label, counted[status]) for status, label in STATUSES.items() if counted[status]
    ]


def session_rows(user, today: datetime.date) -> list[tuple[Session, list[Row]]]:
    """The agenda items of the upcoming sessions that this person staffs, with their reports:
    two queries, however many sessions and items."""
    reviews = list(
        Review.objects.filter(
            session__in=Session.objects.upcoming(today=today),
            startup__in=staffed_startups(user),
        )
        .select_related("session__committee", "startup")
        .order_by("session__starts_at", "session_id", "position", "id")
    )
    reports = with_submission_date(SemesterReport.objects.all()).for_reviews(reviews)
    sessions: dict[int, tuple[Session, list[Row]]] = {}
    for review in reviews:
        semester = review.semester
        row = Row(
            startup=review.startup,
            due_on=review.session.report_due_on,
            semester=semester,
            report=reports.get((review.startup_id, semester.key)),
        )
        sessions.setdefault(review.session_id, (review.session, []))[1].append(row)
    return list(sessions.values())


def unscheduled_rows(user, today: datetime.date) -> list[Row]:
    """This person's startups due for a committee within 60 days (or late) that no upcoming
    session has on its agenda: their report is due a week before the date the committee is
    due. Two queries."""
    scheduled = Review.objects.filter(session__in=Session.objects.upcoming(today=today))
    startups = list(
        Startup.objects.active()
        .due_for_committee(within=DUE_WITHIN_DAYS, today=today)
        .filter(pk__in=staffed_startups(user).values("pk"))
        .exclude(pk__in=scheduled.values("startup_id"))
        .order_by("committee_due_on", "name")
    )
    lead = datetime.timedelta(days=REPORT_LEAD_DAYS)
    due = {
        s.pk: (s.committee_due_on - lead, report_semester(s.committee_due_on - lead))
        for s in startups
    }
    found = with_submission_date(
        SemesterReport.objects.filter(
            startup__in=startups, semester__in={semester.key for _, semester in due.values()}
        )
    )
    reports = {(r.startup_id, r.semester): r for r in found}
    return [
        Row(
            startup=startup,
            due_on=due[startup.pk][0],
            semester=due[startup.pk][1],
            report=reports.get((startup.pk, due[startup.pk][1].key)),
        )
        for startup in startups
    ]


def reports(request):
    """The reports of the next sessions, for the incubator staff who review them."""
    user = request.user
    if not (user.is_superuser or user.incubator_roles.exists()):
        raise PermissionDenied("La liste des bilans est réservée aux équipes des incubateurs.")
    today = timezone.localdate()
    status = request.GET.get("statut", "")
    if status not in STATUSES:
        status = ""
    sessions = session_rows(user, today)
    unscheduled = unscheduled_rows(user, today)
    everything = [row for _, rows in sessions for row in rows] + unscheduled

    def shown(rows):
        return [row for row in rows if not status or row.status == status]

    stale = stale_before(today)
    due_now = [row for row in unscheduled if row.startup.committee_due_on >= stale]
    to_regularise = [row for row in unscheduled if row.startup.committee_due_on < stale]
    nudged = nudges(row.startup for row in everything)
    for row in everything:
        row.nudged_at = nudged.get((row.startup.slug, row.semester.key))
    context = {
        "today": today,
        "status": status,
        "status_label": STATUSES.get(status, ""),
        "statuses": STATUSES,
        "counts": counts(everything),
        "total": len(everything),
        "sessions": [
            {"session": session, "counts": counts(rows), "rows": shown(rows)}
            for session, rows in sessions
        ],
        "unscheduled": shown(due_now),
        "unscheduled_total": len(due_now),
        "stale": shown(to_regularise),
        "stale_total": len(to_regularise),
        "due_within_days": DUE_WITHIN_DAYS,
    }
    return render(request, "committees/overview.html", context)


@require_POST
def nudge(request, slug, semester):
    """ "Relancer": e-mail the team about this report, back to the reports list."""
    startup = get_startup_for_staff(request, slug)
    try:
        semester = Semester.parse(semester)
    except ValueError as error:
        raise Http404("Semestre inconnu.") from error
    try:
        sent = report_nudge(startup=startup, semester=semester, by=request.user)
    except ValidationError as refused:
        messages.error(request, refused.messages[0])
    else:
        plural = "s" if sent > 1 else ""
        messages.success(request, f"Équipe {de(startup.name)} relancée ({sent} personne{plural}).")
    return redirect("committees:reports")
