"""The chair's refusal ("Quorum non atteint…") outlives the board's polling: it sits outside the
polled board until the chair dismisses it; axe-core clean."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_live_session import sitting  # noqa: F401 (the fixture)


@pytest.mark.usefixtures("sitting")
def test_a_refusal_stays_through_polling_until_dismissed(
    page,
    log_in,
    screenshot,
    assert_accessible,
    sitting,  # noqa: F811
):
    log_in(sitting["chair"])
    page.goto(reverse("committees:session-live", args=[sitting["session"].pk]))
    page.get_by_role("button", name="Ouvrir la séance").click()
    expect(page.locator("#live-board")).to_contain_text("Séance en cours")
    page.get_by_role("button", name="Ouvrir le vote").click()  # nobody present: no quorum
    notices = page.locator("#live-notices")
    expect(notices).to_contain_text("Quorum non atteint")
    page.wait_for_timeout(5_000)  # two polls and more
    expect(notices).to_contain_text("Quorum non atteint")
    screenshot("live-refusal")
    assert_accessible()
    notices.get_by_role("button", name="Masquer le message").click()
    expect(notices).not_to_contain_text("Quorum non atteint")
