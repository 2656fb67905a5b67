"""A person logs in and filters the portfolio: htmx swaps the results, the URL keeps the filters."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, IncubatorFactory, StartupFactory, UserFactory
from tests.utils import frozen_at


@pytest.fixture
def camille(transactional_db):
    """Staff of La Fabrique, whose portfolio holds three "Aides" and one other startup."""
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    StartupFactory(
        name="Aides Jeunes", pitch="Simuler ses aides", incubator=incubator, in_acceleration=True
    )
    StartupFactory(name="Aides Logement", incubator=incubator, in_investigation=True)
    StartupFactory(name="Aides Sport", incubator=incubator, in_acceleration=True)
    StartupFactory(name="Démarches Simplifiées", pitch="Dématérialiser", in_acceleration=True)
    return UserFactory(email="camille@example.org", first_name="Camille", staff_of=incubator)


def listed(page) -> list[str]:
    return page.locator("#results tbody td:first-child a").all_inner_texts()


def query(page) -> dict[str, list[str]]:
    """The current URL's parameters, less the empty ones."""
    return parse_qs(urlsplit(page.url).query)


def log_in_and_open_the_portfolio(page, live_server):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/comptes/connexion/\?next=/$"))
    page.locator("#id_username").fill("camille@example.org")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Camille")

    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("link", name="Portefeuille").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Portefeuille des startups d’État")
    expect(page.locator("#results h2")).to_have_text("4 startups")
    # htmx listens once the deferred scripts have run: a change before that is a plain form's.
    page.wait_for_load_state("load")
    # A page load forgets it, htmx swaps keep it.
    page.evaluate("window.comiteMarker = 'same page'")


def test_log_in_then_search_paginate_and_filter_without_reloading(
    page, live_server, camille, assert_accessible, monkeypatch
):
    monkeypatch.setattr("startups.views.PAGE_SIZE", 2)  # the live server runs in this process
    log_in_and_open_the_portfolio(page, live_server)
    # The portfolio opens by next committee: this walk reads it by name.
    page.get_by_label("Trier par").select_option("nom")
    expect(page).to_have_url(re.compile(r"tri=nom"))

    page.get_by_label("Rechercher").press_sequentially("aides", delay=30)
    expect(page.locator("#results h2")).to_have_text("3 startups")
    assert query(page) == {"q": ["aides"], "suivi": ["actives"], "tri": ["nom"]}
    assert listed(page) == ["Aides Jeunes", "Aides Logement"]

    # Straight from the search box: its `change` on blur must not win over the click.
    page.locator("#results").get_by_role("link", name="Page suivante").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert listed(page) == ["Aides Sport"]
    assert query(page) == {"q": ["aides"], "suivi": ["actives"], "tri": ["nom"], "page": ["2"]}

    page.get_by_label("Phase", exact=True).select_option("acceleration")
    expect(page.locator("#results h2")).to_have_text("2 startups")
    assert query(page) == {
        "q": ["aides"],
        "phase": ["acceleration"],
        "suivi": ["actives"],
        "tri": ["nom"],
    }
    assert listed(page) == ["Aides Jeunes", "Aides Sport"]
    expect(page.locator("#results .fr-pagination")).to_have_count(0)

    tags = page.get_by_role("list", name="Nombre de startups par phase")
    expect(tags.get_by_role("link", name="Accélération : 2")).to_have_attribute(
        "aria-current", "true"
    )
    tags.get_by_role("link", name="Investigation : 1").click()
    expect(page.locator("#results h2")).to_have_text("1 startup")
    assert query(page) == {
        "q": ["aides"],
        "phase": ["investigation"],
        "suivi": ["actives"],
        "tri": ["nom"],
        "page": ["1"],
    }
    assert listed(page) == ["Aides Logement"]
    expect(tags.get_by_role("link", name="Investigation : 1")).to_have_attribute(
        "aria-current", "true"
    )
    assert tags.locator("[aria-current]").count() == 1

    assert page.evaluate("window.comiteMarker") == "same page", "the page reloaded"
    assert_accessible()

    # Back restores the previous results from htmx's history, still without a reload.
    page.go_back()
    expect(page).to_have_url(re.compile(r"phase=acceleration"))
    expect(page.locator("#results h2")).to_have_text("2 startups")
    assert listed(page) == ["Aides Jeunes", "Aides Sport"]
    assert page.evaluate("window.comiteMarker") == "same page"

    # A filtered URL is a bookmark: loaded afresh, it shows the same results.
    page.reload()
    assert page.evaluate("window.comiteMarker") is None
    assert listed(page) == ["Aides Jeunes", "Aides Sport"]
    expect(page.get_by_label("Rechercher")).to_have_value("aides")
    expect(page.get_by_label("Phase", exact=True)).to_have_value("acceleration")


def test_phase_tags_and_back_keep_the_filter_form_in_step(page, live_server, camille):
    log_in_and_open_the_portfolio(page, live_server)
    phase = page.get_by_label("Phase", exact=True)
    phase.select_option("acceleration")
    expect(page.locator("#results h2")).to_have_text("3 startups")

    page.get_by_role("link", name="Investigation : 1").click()
    expect(page.locator("#results h2")).to_have_text("1 startup")
    assert phase.input_value() == "investigation"

    page.go_back()
    expect(page.locator("#results h2")).to_have_text("3 startups")
    assert phase.input_value() == "acceleration"


def test_a_filter_changed_the_instant_the_results_arrive_is_not_lost(page, live_server, camille):
    """The filter form comes back with every page of results. Changed just after that swap,
    before htmx would have settled it under its default 20 ms delay, it must still answer."""
    log_in_and_open_the_portfolio(page, live_server)
    page.evaluate(
        """() => document.body.addEventListener("htmx:afterSwap", () => setTimeout(() => {
            const phase = document.getElementById("id_phase");
            phase.value = "investigation";
            phase.dispatchEvent(new Event("change", {bubbles: true}));
        }), {once: true})"""
    )
    page.get_by_role("link", name="Accélération : 3").click()
    expect(page.locator("#results h2")).to_have_text("1 startup")
    assert listed(page) == ["Aides Logement"]


@pytest.mark.parametrize("day", ["2019-03-01", "2035-10-31"])
def test_signing_in_works_whatever_the_distance_between_the_servers_day_and_the_browsers(
    page, live_server, camille, request, day
):
    """The server's clock is moved years away from the browser's real one: the cookies it sets
    (a session cookie without expiry date, the CSRF cookie's Max-Age) are still accepted."""
    request.getfixturevalue("clock").move_to(frozen_at(datetime.date.fromisoformat(day)))
    log_in_and_open_the_portfolio(page, live_server)
    page.get_by_role("link", name="Investigation : 1").click()
    expect(page.locator("#results h2")).to_have_text("1 startup")
