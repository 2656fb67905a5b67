"""Semester reports' workflow: start, save a section, submit, request changes, accept.

draft ──submit──▶ submitted ──accept──▶ accepted
  ▲                   │
  └─ changes requested ◀─ request changes (a new draft version, the submitted one kept)
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from startups.dates import Semester

from ..enums import ReportStatus
from ..models import (
    REPORT_LEAD_DAYS,
    ReportComment,
    ReportSection,
    ReportVersion,
    Review,
    SemesterReport,
    Session,
    report_semester,
)
from .prefill import report_prefill
from .sections import SECTIONS


class ReportIncomplete(ValidationError):
    """Submitting a report with sections to complete: `missing` lists them, by section title."""

    def __init__(self, missing: dict[str, list[str]]):
        self.missing = missing
        super().__init__("Le bilan n’est pas complet.")


@dataclass(frozen=True)
class Deadline:
    """When a startup's next report is due, and why: the session it is on the agenda of, or
    else the date its next committee is due (no session scheduled yet)."""

    due_on: datetime.date
    session: Session | None

    @property
    def semester(self) -> Semester:
        return report_semester(self.due_on)

    def days_left(self, today: datetime.date) -> int:
        return (self.due_on - today).days

    def countdown(self, today: datetime.date) -> str:
        """ "dans 14 jours", "aujourd’hui", "en retard de 3 jours"."""
        days = self.days_left(today)
        if days == 0:
            return "aujourd’hui"
        plural = "s" if abs(days) > 1 else ""
        return f"dans {days} jour{plural}" if days > 0 else f"en retard de {-days} jour{plural}"


def next_review(startup, *, today: datetime.date) -> Review | None:
    return (
        Review.objects.filter(startup=startup, session__in=Session.objects.upcoming(today=today))
        .select_related("session__committee")
        .order_by("session__starts_at")
        .first()
    )


def report_deadline(startup, *, today: datetime.date) -> Deadline | None:
    review = next_review(startup, today=today)
    if review:
        return Deadline(due_on=review.session.report_due_on, session=review.session)
    if startup.committee_due_on and startup.is_active:
        return Deadline(
            due_on=startup.committee_due_on - datetime.timedelta(days=REPORT_LEAD_DAYS),
            session=None,
        )
    return None


def latest_version(report: SemesterReport) -> ReportVersion:
    return report.versions.order_by("-number").first()


def sections_of(version: ReportVersion | None) -> dict[str, dict]:
    """A version's content by section key (one query)."""
    if version is None:
        return {}
    return {section.key: section.data for section in version.sections.all()}


def previous_report(report: SemesterReport) -> SemesterReport | None:
    return (
        SemesterReport.objects.filter(startup_id=report.startup_id, semester__lt=report.semester)
        .order_by("-semester")
        .first()
    )


def previous_sections(report: SemesterReport) -> dict[str, dict] | None:
    """The content of the previous report's last version, if there is one."""
    previous = previous_report(report)
    return sections_of(latest_version(previous)) if previous else None


@transaction.atomic
def report_start(*, startup, semester: Semester, by) -> SemesterReport:
    """The startup's report for this semester, made if need be with a first draft that starts
    from the startup's pitch and the previous report's vision and priorities. Starting twice
    (a double click) gives the same report."""
    try:
        with transaction.atomic():
            report, created = SemesterReport.objects.get_or_create(
                startup=startup, semester=semester.key
            )
    except IntegrityError:
        return SemesterReport.objects.get(startup=startup, semester=semester.key)
    if not created:
        return report
    version = ReportVersion.objects.create(report=report, number=1)
    previous = previous_sections(report) or {}
    starting_points = {"identity": {"pitch": startup.pitch}}
    for key, form in SECTIONS.items():
        carried = {f: previous[key][f] for f in form.carried_over if previous.get(key, {}).get(f)}
        starting_points.setdefault(key, {}).update(carried)
    ReportSection.objects.bulk_create(
        ReportSection(version=version, key=key, data=data)
        for key, data in starting_points.items()
        if any(data.values())
    )
    return report


def locked(report: SemesterReport) -> SemesterReport:
    """The report re-read under a row lock, so that two requests move it one after the other."""
    return SemesterReport.objects.select_for_update().get(pk=report.pk)


def draft_of(report: SemesterReport) -> ReportVersion:
    if not report.is_editable:
        raise ValidationError(
            f"Ce bilan est « {report.get_status_display().lower()} » : il n’est plus modifiable."
        )
    return report.versions.get(submitted_at__isnull=True)


@transaction.atomic
def report_section_save(*, report: SemesterReport, key: str, data: dict, by) -> ReportSection:
    """Save one section of the draft (cleaned by its form in draft mode)."""
    version = draft_of(locked(report))
    section, _ = ReportSection.objects.update_or_create(
        version=version,
        key=key,
        defaults={"data": data, "saved_at": timezone.now(), "saved_by": by},
    )
    return section


def section_is_complete(key: str, section: ReportSection | None) -> bool:
    """Complete: saved by the team at least once (not only carried over) and valid with every
    required field filled in."""
    return bool(section and section.saved_at and SECTIONS[key].is_complete(section.data))


def report_missing(version: ReportVersion) -> dict[str, list[str]]:
    """What is left to do before submitting, by section title."""
    sections = {section.key: section for section in version.sections.all()}
    missing = {}
    for key, form in SECTIONS.items():
        section = sections.get(key)
        if section is None or not section.saved_at:
            missing[form.title] = ["section à relire et enregistrer"]
        elif problems := form.missing(section.data):
            missing[form.title] = problems
    return missing


@transaction.atomic
def report_submit(*, report: SemesterReport, by, today: datetime.date) -> ReportVersion:
    """Submit the draft: complete or refused with what is missing; its pre-filled figures are
    frozen with it. A second click finds it submitted already and is refused."""
    report = locked(report)
    version = draft_of(report)
    if missing := report_missing(version):
        raise ReportIncomplete(missing)
    previous = previous_report(report)
    version.prefill = report_prefill(
        report.startup,
        semester=report.period,
        today=today,
        previous_sections=sections_of(latest_version(previous)) if previous else None,
    )
    version.submitted_at, version.submitted_by = timezone.now(), by
    version.save(update_fields=["prefill", "submitted_at", "submitted_by"])
    report.move(
        ReportStatus.SUBMITTED,
        allowed_from=(ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED),
    )
    report.save(update_fields=["status", *report.touch(by=by)])
    return version


def review_comments(version: ReportVersion, comments: dict[str, str], by) -> None:
    ReportComment.objects.bulk_create(
        ReportComment(version=version, section=key, body=body.strip(), author=by)
        for key, body in comments.items()
        if key in SECTIONS and body.strip()
    )
    version.reviewed_at, version.reviewed_by = timezone.now(), by
    version.save(update_fields=["reviewed_at", "reviewed_by"])


@transaction.atomic
def report_request_changes(
    *, report: SemesterReport, comments: dict[str, str], by
) -> ReportVersion:
    """Send a submitted report back with comments per section (at least one): the submitted
    version stays as it was; the team gets a new draft starting from it."""
    if not any(body.strip() for body in comments.values()):
        raise ValidationError("Écrivez au moins un commentaire pour dire quoi modifier.")
    report = locked(report)
    report.move(ReportStatus.CHANGES_REQUESTED, allowed_from=(ReportStatus.SUBMITTED,))
    submitted = latest_version(report)
    review_comments(submitted, comments, by)
    draft = ReportVersion.objects.create(report=report, number=submitted.number + 1)
    ReportSection.objects.bulk_create(
        ReportSection(
            version=draft, key=s.key, data=s.data, saved_at=s.saved_at, saved_by=s.saved_by
        )
        for s in submitted.sections.all()
    )
    report.save(update_fields=["status", *report.touch(by=by)])
    return draft


@transaction.atomic
def report_accept(*, report: SemesterReport, comments: dict[str, str], by) -> None:
    report = locked(report)
    report.move(ReportStatus.ACCEPTED, allowed_from=(ReportStatus.SUBMITTED,))
    review_comments(latest_version(report), comments, by)
    report.accepted_at, report.accepted_by = timezone.now(), by
    report.save(update_fields=["status", "accepted_at", "accepted_by", *report.touch(by=by)])
