"""The Content-Security-Policy holds in the browser: a tour of the main pages as the person who
uses each, and htmx swaps, with no violation reported (the `page` fixture collects the
`securitypolicyviolation` events and the console's CSP messages and fails the test on any).

Every other browser test runs under the same watch; this one makes sure each main page is seen
at least once. The data are the other browser tests' fixtures.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import test_analytics, test_decisions, test_live_session, test_metrics_pages
from tests.browser.conftest import CSP_LISTENER

# The other tests' data, as fixtures of this module too.
portfolio = test_analytics.portfolio
voted = test_decisions.voted
sitting = test_live_session.sitting
startup_with_metrics = test_metrics_pages.startup_with_metrics

# page name: (fixture, persona, URL)
PAGES = {
    "login": ("portfolio", None, lambda d: reverse("accounts:login")),
    "home": ("portfolio", "staff", lambda d: reverse("home")),
    "portfolio": ("portfolio", "staff", lambda d: reverse("startups:portfolio")),
    "startup": ("portfolio", "team", lambda d: d["startup"].get_absolute_url()),
    "reports": (
        "portfolio",
        "team",
        lambda d: reverse("committees:startup-reports", args=[d["startup"].slug]),
    ),
    "reports-staff": ("portfolio", "staff", lambda d: reverse("committees:reports")),
    "analytics": ("portfolio", "staff", lambda d: reverse("metrics:analytics")),
    "budget": ("portfolio", "team", lambda d: reverse("metrics:budget", args=[d["startup"].slug])),
    "metrics": (
        "startup_with_metrics",
        "staff",
        lambda d: reverse("metrics:list", args=[d["startup"].slug]),
    ),
    "metrics-values": (
        "startup_with_metrics",
        "staff",
        lambda d: reverse("metrics:values", args=[d["startup"].slug]),
    ),
    "metrics-public": (
        "startup_with_metrics",
        None,
        lambda d: reverse("metrics:public", args=[d["startup"].slug]),
    ),
    "sessions": ("agenda", "staff", lambda d: reverse("committees:sessions")),
    "session": ("agenda", "staff", lambda d: reverse("committees:session", args=[d["session"].pk])),
    "prepare": (
        "agenda",
        "staff",
        lambda d: reverse("committees:session-prepare", args=[d["session"].pk]),
    ),
    "live": (
        "sitting",
        "chair",
        lambda d: reverse("committees:session-live", args=[d["session"].pk]),
    ),
    "decide": (
        "voted",
        "chair",
        lambda d: reverse(
            "committees:review-decide", args=[d["review"].session_id, d["review"].pk]
        ),
    ),
    "minutes": (
        "voted",
        "chair",
        lambda d: reverse("committees:session-minutes", args=[d["session"].pk]),
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_reports_no_csp_violation(page, log_in, request, name):
    fixture, persona, url = PAGES[name]
    data = request.getfixturevalue(fixture)
    if persona:
        log_in(data[persona])
    response = page.goto(url(data))
    assert response.status == 200
    assert "nonce-" in response.headers["content-security-policy"]
    # The DSFR's JavaScript has started (it marks the document), so it ran under the policy.
    expect(page.locator("html")).to_have_attribute("data-fr-js", "true")
    page.wait_for_load_state("networkidle")


def test_htmx_swaps_report_no_csp_violation(page, log_in, portfolio):
    log_in(portfolio["staff"])
    page.goto(reverse("startups:portfolio"))
    page.get_by_role("link", name="Construction").first.click()
    expect(page).to_have_url(re.compile(r"phase=construction"))
    page.wait_for_load_state("networkidle")


def test_dsfr_leaves_the_server_written_phone_menu_alone(page, log_in, portfolio):
    """DSFR copies the header's links into the phone menu with innerHTML unless they are already
    there; a copy made while one of them carries a style set by script breaks the CSP now and
    then. The header writes them itself, so the script changes nothing."""
    page.context.add_init_script(
        """
        window.menuMutations = 0;
        document.addEventListener("DOMContentLoaded", () => {
          new MutationObserver((changes) => { window.menuMutations += changes.length; })
            .observe(document.querySelector(".fr-header__menu-links"),
                     {childList: true, subtree: true});
        });
        """
    )
    log_in(portfolio["staff"])
    page.goto(reverse("home"))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.menuMutations") == 0


def test_the_live_board_polls_and_swaps_without_csp_violation(page, log_in, sitting):
    log_in(sitting["chair"])
    page.goto(reverse("committees:session-live", args=[sitting["session"].pk]))
    page.get_by_role("button", name="Ouvrir la séance").click()
    expect(page.locator("#live-board")).to_contain_text("Séance en cours")
    page.locator("#attendance").get_by_text("Claude Martin").click()
    expect(page.locator("#quorum")).to_contain_text("1 membre votant présent")
    page.wait_for_timeout(2500)  # one poll of the board


def test_the_watch_catches_an_inline_style_and_an_inline_script(browser, live_server, db):
    """The `page` fixture's watch works: what the policy refuses is reported to the test."""
    context = browser.new_context(base_url=live_server.url)
    violations = []
    context.expose_binding("__cspViolation", lambda source, text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.goto(reverse("accounts:login"))
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">rouge</p>');
            const script = document.createElement("script");
            script.textContent = "window.ran = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_timeout(500)
    context.close()
    directives = {violation.split()[0] for violation in violations}
    assert {"style-src-attr", "script-src-elem"} <= directives, violations
