"""The budget pages and the portfolio analytics in a real browser: axe-core finds no violation,
adding a line works without JavaScript tricks (a plain form), screenshots to look at."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from metrics.enums import BudgetNature
from metrics.models import BudgetLine, Objective
from startups.dates import Semester
from tests.factories import (
    BudgetLineFactory,
    IncubatorFactory,
    MetricFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
    add_measurements,
)
from tests.utils import TODAY, month

CURRENT = Semester.of(TODAY)
LAST = CURRENT.previous  # the last full semester, the analytics' one
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}


def semester_months(semester, value):
    return {f"{m:%Y-%m}": value for m in semester.months}


@pytest.fixture
def portfolio(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dinum = OrganisationFactory(slug="dinum", acronym="DINUM", name="DINUM")
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dinum],
        with_committee=True,
        with_round=True,
    )
    star = MetricFactory(startup=startup, label="Dossiers déposés")
    add_measurements(star, semester_months(LAST - 1, 900))
    add_measurements(star, semester_months(LAST, 1000) | {month(0): 1100})
    Objective.objects.create(metric=star, target=Decimal(1500), due_on=(CURRENT + 1).end)
    users = MetricFactory(startup=startup, active_users=True)
    add_measurements(users, semester_months(LAST, 320))
    BudgetLineFactory(
        startup=startup, year=(LAST - 1).year, half=(LAST - 1).half, paid=Decimal(110_000)
    )
    BudgetLineFactory(
        startup=startup, year=LAST.year, half=LAST.half, paid=Decimal(100_000), is_demo=True
    )
    BudgetLineFactory(
        startup=startup,
        year=(CURRENT + 1).year,
        half=(CURRENT + 1).half,
        paid=Decimal(120_000),
        nature=BudgetNature.FORECAST,
    )
    other = StartupFactory(name="Aides Jeunes", incubator=incubator, in_acceleration=True)
    star = MetricFactory(startup=other, label="Simulations", unit="dossiers")
    add_measurements(star, semester_months(LAST, 5000))
    BudgetLineFactory(startup=other, year=LAST.year, half=LAST.half, paid=Decimal(200_000))
    StartupFactory(name="Ancien Service", incubator=incubator, stopped=True)
    return {
        "startup": startup,
        "staff": UserFactory(email="staff@example.org", staff_of=incubator),
        "team": UserFactory(email="intra@example.org", member_of=startup),
    }


PAGES = {
    "analytics": ("staff", lambda p: reverse("metrics:analytics")),
    "budget": ("team", lambda p: reverse("metrics:budget", args=[p["startup"].slug])),
    "budget-add": ("team", lambda p: reverse("metrics:budget_add", args=[p["startup"].slug])),
    "budget-delete": (
        "team",
        lambda p: reverse(
            "metrics:budget_delete", args=[p["startup"].slug, p["startup"].budget_lines.first().pk]
        ),
    ),
}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violation(
    page, log_in, screenshot, assert_accessible, portfolio, name, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    persona, url = PAGES[name]
    log_in(portfolio[persona])
    response = page.goto(url(portfolio))
    assert response.status == 200
    assert page.locator("main h1").count() == 1
    screenshot(f"{name}-{viewport}")
    assert_accessible()


def test_adding_a_line_shows_errors_then_the_line(
    page, log_in, screenshot, assert_accessible, portfolio
):
    log_in(portfolio["team"])
    page.goto(reverse("metrics:budget", args=[portfolio["startup"].slug]))
    page.get_by_role("link", name="Ajouter une ligne").click()
    page.get_by_role("spinbutton", name="Année").fill("2010")
    page.get_by_label("Engagé (AE, €)").fill("-5")
    page.get_by_label("Payé (CP, €)").fill("12 000,50")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("L’année doit être comprise entre 2013")).to_be_visible()
    expect(page.get_by_text("supérieure ou égale à 0")).to_be_visible()
    screenshot("budget-add-errors")
    assert_accessible()
    page.get_by_role("spinbutton", name="Année").fill(str(TODAY.year))  # actual, all year: started
    page.get_by_role("combobox", name="Activité").select_option(label="Design")
    page.get_by_role("combobox", name="Type de ressource").select_option(label="Prestataires")
    page.get_by_label("Engagé (AE, €)").fill("15 000")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Ligne budgétaire ajoutée.")).to_be_visible()
    assert BudgetLine.objects.filter(paid=Decimal("12000.50")).exists()
    screenshot("budget-after-add")
    assert_accessible()
