"""axe-core finds no violation on each page people use, in the real browser (STYLE rule 24).

Each page is also saved as a screenshot in SHOTS (/tmp/comite-shots) for people to look at.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, UserFactory


@pytest.fixture
def portfolio(transactional_db):
    """A small portfolio: one startup with its whole history, two more in other phases."""
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(
        slug="dgfip", name="Direction générale des finances publiques", acronym="DGFiP"
    )
    dinum = OrganisationFactory(
        slug="dinum", name="Direction interministérielle du numérique", acronym="DINUM"
    )
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip, dinum],
        with_committee=True,
        with_round=True,
    )
    StartupFactory(name="Aides Jeunes", incubator=incubator, sponsors=[dgfip], in_acceleration=True)
    StartupFactory(name="Ancien Service", incubator=incubator, stopped=True)
    staff = UserFactory(email="staff@example.org", first_name="Camille", staff_of=incubator)
    return {"staff": staff, "startup": startup, "incubator": incubator, "sponsor": dgfip}


PAGES = {
    "login": lambda p: reverse("accounts:login"),
    "home-staff": lambda p: reverse("home"),
    "portfolio": lambda p: reverse("startups:portfolio"),
    "portfolio-filtered": lambda p: reverse("startups:portfolio") + "?phase=construction",
    "startup": lambda p: p["startup"].get_absolute_url(),
    "incubator": lambda p: p["incubator"].get_absolute_url(),
    "sponsor": lambda p: p["sponsor"].get_absolute_url(),
    "sync": lambda p: reverse("startups:sync"),
    "member-proposals": lambda p: reverse("startups:proposals"),
    "legal-notice": lambda p: reverse("legal-notice"),
    "accessibility": lambda p: reverse("accessibility"),
    "personal-data": lambda p: reverse("personal-data"),
    "site-map": lambda p: reverse("site-map"),
}


# A phone shows other things: the menu button, tables that scroll sideways.
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violation(
    page, log_in, screenshot, assert_accessible, portfolio, name, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    if name != "login":
        log_in(portfolio["staff"])
    response = page.goto(PAGES[name](portfolio))
    assert response.status == 200
    assert page.locator("main h1").count() == 1
    screenshot(f"{name}-{viewport}")
    assert_accessible()


def test_mobile_menu_opens_and_has_no_axe_violation(
    page, log_in, screenshot, assert_accessible, portfolio
):
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in(portfolio["staff"])
    page.goto(reverse("startups:portfolio"))
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(menu.get_by_role("link", name="Portefeuille")).to_be_visible()
    expect(page.get_by_role("dialog").get_by_role("button", name="Se déconnecter")).to_be_visible()
    screenshot("menu-mobile")
    assert_accessible()


@pytest.mark.parametrize(("number", "disabled"), [(1, "Page précédente"), (7, "Page suivante")])
def test_paginated_portfolio_has_no_axe_violation(
    page, log_in, screenshot, assert_accessible, portfolio, monkeypatch, number, disabled
):
    """Seven pages of one startup: elided page numbers, and links that lead nowhere."""
    monkeypatch.setattr("startups.views.PAGE_SIZE", 1)  # the live server runs in this process
    for n in range(4):
        StartupFactory(name=f"Service {n}", incubator=portfolio["incubator"])
    log_in(portfolio["staff"])
    page.goto(f"{reverse('startups:portfolio')}?page={number}&suivi=")
    screenshot(f"portfolio-page-{number}")
    assert_accessible()
    pagination = page.get_by_role("navigation", name="Pagination")
    nowhere = pagination.get_by_role("link", name=disabled)
    assert nowhere.get_attribute("aria-disabled") == "true"
    assert nowhere.get_attribute("href") is None
    assert pagination.get_by_text("…").count() == 1


@pytest.mark.parametrize(
    ("status", "path"),
    [
        (404, "/portefeuille/startups/inconnue/"),
        (403, "/bilans/"),
        (400, "/public/decisions.json?du=2026-02-30"),
    ],
)
def test_error_pages_have_no_axe_violation(
    page, log_in, screenshot, assert_accessible, portfolio, status, path
):
    log_in(UserFactory(email="personne@example.org"))  # signed in, no role
    response = page.goto(path)
    assert response.status == status
    assert page.locator("main h1").count() == 1
    screenshot(f"error-{status}")
    assert_accessible()
