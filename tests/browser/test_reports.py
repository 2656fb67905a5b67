"""The semester report in a real browser: an intrapreneur writes it (autosave, progress) and
submits it, a staff member asks for a change, the team sees the comment; axe-core on each page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from committees.models import Committee, Review, Session
from committees.reports.services import report_request_changes, report_section_save
from tests.committees.reports import COMPLETE, submitted_report
from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, UserFactory


@pytest.fixture
def people(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip],
        with_committee=True,
        with_round=True,
    )
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=21), datetime.time(14)
        )
    )
    review = Review.objects.create(
        session=Session.objects.create(committee=committee, starts_at=starts_at), startup=startup
    )
    return {
        "startup": startup,
        "semester": review.semester,  # the half year before the session: "S2 2026" in December
        "intrapreneur": UserFactory(first_name="Alix", member_of=startup),
        "staff": UserFactory(first_name="Camille", staff_of=incubator),
        "sponsor": UserFactory(first_name="Dominique", sponsor_of=dgfip),
    }


def fill_section(page, key, data):
    for name, value in data.items():
        field = page.locator(f"#id_{key}-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def test_an_intrapreneur_writes_and_submits_and_staff_request_a_change(
    page, log_in, screenshot, assert_accessible, people
):
    log_in(people["intrapreneur"])
    page.goto("/portefeuille/startups/mon-service/bilans/")
    expect(page.get_by_text("Manquant")).to_be_visible()
    assert_accessible()
    page.get_by_role("button", name="Commencer le bilan").click()
    semester = people["semester"]
    expect(page.locator("h1")).to_have_text(f"Bilan du {semester} — Mon Service")
    assert_accessible()

    # Autosave: typing is enough, the section says when it was saved.
    page.locator("#id_identity-problem").fill(COMPLETE["identity"]["problem"])
    expect(page.locator("#status-identity")).to_contain_text("Enregistré à", timeout=10_000)
    # A badly typed link gets its error next to the field, without a reload.
    page.locator("#id_last_semester-demo_url").fill("pas une adresse")
    page.locator("#id_last_semester-demo_url").blur()
    expect(page.locator("#id_last_semester-demo_url-messages")).to_contain_text("URL valide")

    for done, (key, data) in enumerate(COMPLETE.items(), start=1):
        fill_section(page, key, data)
        page.locator(f"#{key} button[type=submit]").click()
        expect(page.locator("#report-progress")).to_contain_text(
            f"Sections complètes : {done} sur 5"
        )
    expect(page.locator("#id_last_semester-demo_url-messages")).to_have_text("")
    screenshot("report-edit")
    page.get_by_role("button", name="Soumettre le bilan").click()
    expect(page.get_by_text("Bilan soumis")).to_be_visible()
    expect(page.locator(".fr-badge").first).to_have_text("Soumis, à relire")
    assert_accessible()

    page.context.clear_cookies()
    log_in(people["staff"])
    page.goto(f"/portefeuille/startups/mon-service/bilans/{semester.key}/")
    page.locator("#id_comment-impact").fill("Ajoutez le taux de satisfaction des usagers.")
    screenshot("report-review")
    assert_accessible()
    page.get_by_role("button", name="Demander des modifications").click()
    expect(page.locator(".fr-badge").first).to_have_text("Modifications demandées")

    page.context.clear_cookies()
    log_in(people["intrapreneur"])
    page.goto(f"/portefeuille/startups/mon-service/bilans/{semester.key}/rediger/")
    expect(page.locator("#impact")).to_contain_text("Ajoutez le taux de satisfaction des usagers.")
    expect(page.locator("h1")).to_contain_text(str(semester))
    expect(page.get_by_text("Version 2.")).to_be_visible()
    assert_accessible()


def test_a_sponsor_reads_the_submitted_report(page, log_in, screenshot, assert_accessible, people):
    report = submitted_report(people["startup"], people["intrapreneur"])
    log_in(people["sponsor"])
    page.goto(report.get_absolute_url())
    expect(page.get_by_text(COMPLETE["request"]["without_funding"])).to_be_visible()
    expect(page.get_by_role("button", name="Demander des modifications")).to_have_count(0)
    screenshot("report-sponsor")
    assert_accessible()


def test_staff_list_and_version_comparison_are_accessible(
    page, log_in, screenshot, assert_accessible, people
):
    report = submitted_report(people["startup"], people["intrapreneur"])
    report_request_changes(
        report=report, comments={"impact": "Ajoutez la satisfaction."}, by=people["staff"]
    )
    report_section_save(
        report=report,
        key="impact",
        data={**COMPLETE["impact"], "reading": "Satisfaction : 4,2 sur 5."},
        by=people["intrapreneur"],
    )
    log_in(people["staff"])
    page.goto("/bilans/")
    expect(page.get_by_role("link", name="Mon Service", exact=True)).to_be_visible()
    screenshot("reports-overview")
    assert_accessible()
    page.goto(report.get_absolute_url())
    page.get_by_role("link", name="Comparer les versions").click()
    expect(page.locator("ins").first).to_contain_text("Satisfaction")
    screenshot("report-compare")
    assert_accessible()
