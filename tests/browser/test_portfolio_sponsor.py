"""A sponsor's representative opens the portfolio of their organisation from the home page,
filters it, finds the CSV link with the same filters, on a desktop and on a phone."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import persona_user
from tests.startups.test_portfolio import build_case

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_representative_opens_filters_and_exports_the_portfolio(
    page, log_in, screenshot, assert_accessible, transactional_db, viewport
):
    dga, _ = build_case()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(persona_user("sponsor", organisation=dga))
    page.goto("/")
    page.get_by_role("link", name="Le portefeuille de DGA : argent, décisions et risques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Portefeuille de Direction générale de l’armement"
    )
    table = page.get_by_role("table", name="Startups du portefeuille de DGA")
    expect(table.get_by_role("rowheader")).to_have_count(2)
    expect(table).to_contain_text("bon de commande en retard")
    expect(page.get_by_role("img", name="Argent engagé par année budgétaire")).to_be_visible()
    assert_accessible()
    screenshot(f"sponsor-portfolio-{viewport}")

    page.get_by_label("Incubateur").select_option("sud")
    page.get_by_text("À risque seulement").click()
    page.get_by_role("button", name="Filtrer").click()
    expect(table.get_by_role("rowheader")).to_have_count(1)
    expect(table.get_by_role("rowheader")).to_contain_text("Beta")
    assert "incubateur=sud" in page.url and "risque=on" in page.url
    link = page.get_by_role("link", name="Télécharger ces startups (CSV)")
    href = link.get_attribute("href")
    assert href.startswith(reverse("committees:sponsor-portfolio-csv", args=["dga"]) + "?")
    assert "incubateur=sud" in href and "risque=on" in href
    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.splitlines()[1].startswith("Beta,")
    assert_accessible()
