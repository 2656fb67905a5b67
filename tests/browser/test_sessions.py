"""Preparing a session in a real browser: staff add a startup due to the agenda and move it,
without a reload; axe-core on the sessions list, the session page and the committee page."""

from playwright.sync_api import expect


def test_staff_build_the_agenda_without_a_reload(
    page, log_in, screenshot, assert_accessible, agenda
):
    log_in(agenda["staff"])
    page.goto("/seances/")
    expect(page.locator("main")).to_contain_text("Comité de la Fabrique")
    assert_accessible()
    page.goto(f"/seances/{agenda['session'].pk}/")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("button", name="Ajouter Attendue").click()
    rows = page.locator("#agenda tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("Attendue")
    page.get_by_role("button", name="Monter Attendue").click()
    expect(rows.nth(0)).to_contain_text("Attendue")
    assert page.evaluate("window.notReloaded") is True
    screenshot("session")
    assert_accessible()
    page.goto(f"/comites/{agenda['session'].committee.pk}/")
    assert_accessible()
