"""The staff's list of reports and the version comparison in Chromium: axe-core on each (desktop
and phone), the status filter, the version picker."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from committees.models import Committee, Review, Session
from committees.reports.services import (
    latest_version,
    report_accept,
    report_request_changes,
    report_section_save,
    report_start,
    sections_of,
)
from tests.committees.reports import submitted_report
from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, UserFactory

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}


@pytest.fixture
def agenda(transactional_db):
    """A session in three weeks with a report in every state, one sent back with a comment."""
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", acronym="DGFiP")
    staff = UserFactory(email="staff@example.org", first_name="Camille", staff_of=incubator)
    team = UserFactory(email="team@example.org")
    day = timezone.localdate() + datetime.timedelta(days=21)
    session = Session.objects.create(
        committee=Committee.objects.create(name="Comité de la Fabrique", incubator=incubator),
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(14))),
    )
    startups = {}
    for position, name in enumerate(["Manquant", "Brouillon", "Renvoyé", "Soumis", "Accepté"]):
        startup = StartupFactory(name=f"Service {name}", incubator=incubator, sponsors=[dgfip])
        review = Review.objects.create(session=session, startup=startup, position=position)
        startups[name] = startup
        if name == "Brouillon":
            report_start(startup=startup, semester=review.semester, by=team)
        elif name != "Manquant":
            report = submitted_report(startup, team, semester=review.semester)
            if name == "Renvoyé":
                report_request_changes(
                    report=report, comments={"identity": "Le problème <b>exact</b> ?"}, by=staff
                )
                identity = sections_of(latest_version(report))["identity"]
                report_section_save(
                    report=report,
                    key="identity",
                    data=identity | {"problem": "Des formulaires <i>papier</i> ressaisis."},
                    by=team,
                )
                startups["report"] = report
            elif name == "Accepté":
                report_accept(report=report, comments={}, by=staff)
    startups |= {"staff": staff, "session": session}
    return startups


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_filter_their_list_by_status(
    page, log_in, screenshot, assert_accessible, agenda, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(agenda["staff"])
    page.goto(reverse("committees:reports"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilans semestriels à venir")
    table = page.get_by_role("table", name="Bilans attendus pour la séance du")
    expect(table.locator("tbody tr")).to_have_count(5)
    screenshot(f"reports-overview-{viewport}")
    assert_accessible()
    page.get_by_label("Statut du bilan").select_option("submitted")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(f"{reverse('committees:reports')}?statut=submitted", timeout=5000)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Service Soumis")
    assert_accessible()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_staff_compare_the_submitted_version_with_the_draft(
    page, log_in, screenshot, assert_accessible, agenda, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(agenda["staff"])
    report = agenda["report"]
    page.goto(reverse("committees:report-compare", args=[report.startup.slug, report.semester]))
    identity = page.locator("section", has=page.get_by_role("heading", name="1. Identité"))
    expect(identity.locator("del")).to_contain_text("à la main.")
    expect(identity.locator("ins")).to_contain_text("<i>papier</i> ressaisis.")
    expect(identity).to_contain_text("Le problème <b>exact</b> ?")
    screenshot(f"reports-compare-{viewport}")
    assert_accessible()
    # The picker: the same two versions, reversed, come back in order.
    page.get_by_label("Version de départ").select_option("2")
    page.get_by_label("Version d’arrivée").select_option("1")
    page.get_by_role("button", name="Comparer").click()
    expect(page.get_by_label("Version de départ")).to_have_value("1")
    expect(identity.locator("ins")).to_contain_text("<i>papier</i> ressaisis.")
