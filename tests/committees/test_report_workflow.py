import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from committees.enums import ReportStatus
from committees.models import ReportVersion, SemesterReport, report_semester
from committees.reports.services import (
    ReportIncomplete,
    latest_version,
    report_accept,
    report_deadline,
    report_missing,
    report_request_changes,
    report_section_save,
    report_start,
    report_submit,
    sections_of,
)
from metrics.models import Objective
from startups.dates import Semester
from tests.committees.reports import COMPLETE, fill, submitted_report
from tests.factories import MetricFactory, add_measurements
from tests.utils import SEMESTER, TODAY, month


@pytest.mark.parametrize(
    ("due_on", "semester"),
    [
        (datetime.date(2026, 12, 1), Semester(2026, 2)),
        (datetime.date(2027, 1, 10), Semester(2026, 2)),
        (datetime.date(2026, 6, 20), Semester(2026, 1)),
        (datetime.date(2026, 3, 15), Semester(2025, 2)),
        (datetime.date(2026, 9, 30), Semester(2026, 1)),
    ],
)
def test_a_report_looks_back_on_the_semester_three_months_before_its_deadline(due_on, semester):
    assert report_semester(due_on) == semester


def test_the_deadline_is_a_week_before_the_session_the_startup_is_on(startup, session):
    deadline = report_deadline(startup, today=TODAY)
    assert deadline.session == session
    assert deadline.due_on == session.date - datetime.timedelta(days=7)
    assert deadline.semester == SEMESTER


def test_without_a_session_the_deadline_is_a_week_before_the_committee_is_due(startup):
    deadline = report_deadline(startup, today=TODAY)
    assert deadline.session is None
    assert deadline.due_on == startup.committee_due_on - datetime.timedelta(days=7)


def test_starting_twice_gives_one_report_with_one_draft(startup, intrapreneur):
    first = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    second = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    assert first == second
    assert ReportVersion.objects.filter(report=first).count() == 1
    assert first.status == ReportStatus.DRAFT


def test_a_new_report_starts_from_the_pitch_and_the_previous_vision(startup, intrapreneur):
    previous = submitted_report(startup, intrapreneur, semester=SEMESTER - 1)
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    sections = report.versions.get().sections.all()
    content = {s.key: s.data for s in sections}
    assert content["identity"]["pitch"] == startup.pitch
    assert content["identity"]["problem"] == COMPLETE["identity"]["problem"]
    assert content["next_semester"]["vision"] == COMPLETE["next_semester"]["vision"]
    # Carried over is not written: every section waits for the team to read and save it.
    assert all(section.saved_at is None for section in sections)
    assert "Identité" in report_missing(latest_version(report))
    assert previous.status == ReportStatus.SUBMITTED


def test_submitting_an_incomplete_report_lists_what_is_missing(startup, intrapreneur):
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    report_section_save(
        report=report, key="identity", data={"pitch": "Permettre…"}, by=intrapreneur
    )
    with pytest.raises(ReportIncomplete) as refused:
        report_submit(report=report, by=intrapreneur, today=TODAY)
    assert refused.value.missing["Identité"] == ["Le problème", "La solution"]
    assert refused.value.missing["La demande"] == ["section à relire et enregistrer"]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_submitting_freezes_the_version_and_the_figures_of_the_day(startup, intrapreneur):
    metric = MetricFactory(startup=startup, label="Dossiers déposés", is_north_star=True)
    add_measurements(metric, {month(-6): 100, month(): 180})
    report = submitted_report(startup, intrapreneur)
    version = latest_version(report)
    assert report.status == ReportStatus.SUBMITTED
    assert version.submitted_by == intrapreneur
    assert version.prefill["identity"]["indicators"][0]["value"] == Decimal(180)
    # Later values do not change what the report was submitted with.
    add_measurements(metric, {month(): 250})
    version.refresh_from_db()
    assert version.prefill["identity"]["indicators"][0]["value"] == Decimal(180)
    with pytest.raises(ValidationError, match="plus modifiable"):
        report_section_save(report=report, key="identity", data={}, by=intrapreneur)
    with pytest.raises(ValidationError):
        report_submit(report=report, by=intrapreneur, today=TODAY)


def test_changes_requested_make_a_new_draft_from_the_submitted_version(
    startup, intrapreneur, staff
):
    report = submitted_report(startup, intrapreneur)
    with pytest.raises(ValidationError, match="au moins un commentaire"):
        report_request_changes(report=report, comments={"identity": "  "}, by=staff)
    draft = report_request_changes(
        report=report, comments={"impact": "Ajoutez le taux de satisfaction."}, by=staff
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.CHANGES_REQUESTED
    submitted = report.versions.get(number=1)
    assert [(c.section, c.body, c.author) for c in submitted.comments.all()] == [
        ("impact", "Ajoutez le taux de satisfaction.", staff)
    ]
    assert sections_of(draft) == sections_of(submitted)
    report_section_save(
        report=report,
        key="impact",
        data={**COMPLETE["impact"], "reading": "Satisfaction : 4,2 sur 5."},
        by=intrapreneur,
    )
    report_submit(report=report, by=intrapreneur, today=TODAY)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert sections_of(report.versions.get(number=1))["impact"] == COMPLETE["impact"]
    report_accept(report=report, comments={}, by=staff)
    report.refresh_from_db()
    assert (report.status, report.accepted_by) == (ReportStatus.ACCEPTED, staff)


@pytest.mark.parametrize("status", [ReportStatus.DRAFT, ReportStatus.ACCEPTED])
def test_only_a_submitted_report_is_accepted_or_sent_back(startup, intrapreneur, staff, status):
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    if status == ReportStatus.ACCEPTED:
        fill(report, intrapreneur)
        report_submit(report=report, by=intrapreneur, today=TODAY)
        report_accept(report=report, comments={}, by=staff)
    with pytest.raises(ValidationError):
        report_accept(report=report, comments={}, by=staff)
    with pytest.raises(ValidationError):
        report_request_changes(report=report, comments={"impact": "x"}, by=staff)


def test_the_database_keeps_one_draft_per_report(startup, intrapreneur):
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    with pytest.raises(IntegrityError):
        ReportVersion.objects.create(report=report, number=2)


def test_the_database_refuses_an_accepted_report_without_its_date(startup):
    with pytest.raises(IntegrityError):
        SemesterReport.objects.create(
            startup=startup, semester=SEMESTER.key, status=ReportStatus.ACCEPTED
        )


def test_prefill_gives_the_last_committees_targets_then_and_now(startup, intrapreneur):
    metric = MetricFactory(startup=startup, label="Dossiers déposés", is_north_star=True)
    # Monthly figures: 100 six months ago, 180 today, above the target of 150 since.
    add_measurements(
        metric,
        {month(-7): 90, month(-6): 100}
        | {month(n): 160 for n in range(-5, -1)}
        | {month(-1): 170, month(): 180},
    )
    Objective.objects.create(metric=metric, target=150, due_on=SEMESTER.end)
    Objective.objects.create(metric=metric, target=50, due_on=(SEMESTER - 2).end)
    report = report_start(startup=startup, semester=SEMESTER, by=intrapreneur)
    fill(report, intrapreneur)
    prefill = report_submit(report=report, by=intrapreneur, today=TODAY).prefill
    [objective] = prefill["objectives"]
    assert objective["target"] == 150
    assert (objective["before"], objective["now"], objective["met"]) == (100, 180, True)
    assert prefill["north_star"]["label"] == "Dossiers déposés"
    assert prefill["money"]["granted"] == Decimal("250000")
    assert prefill["identity"]["sponsors"] == ["DGFiP"]
    assert [row["dimension"] for row in prefill["matrix"]] == [
        "Utilisable",
        "Utilisé",
        "Utile",
        "Impactant",
        "Efficient",
    ]
