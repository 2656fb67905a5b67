"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

`npx playwright install` cannot download browsers here (DESIGN §7): Playwright launches the
system Chromium. One browser for the whole session, one fresh context (cookies, storage) per test.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from committees.enums import MemberRole
from tests.factories import (
    CommitteeFactory,
    CommitteeMemberFactory,
    IncubatorFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
)

# Playwright's sync API runs an event loop in the test thread; the ORM calls that the factories
# make there are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HTMX_ABORT_LOGS = ("htmx:sendAbort,", "htmx:afterRequest,")
# Every page reports its Content-Security-Policy violations to the test.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
      `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""
SHOTS = Path(os.environ.get("COMITE_SHOTS", "/tmp/comite-shots"))


class SerialWSGIServer(WSGIServer):
    """A live server that answers one request at a time (and closes each connection)."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, answering one request at a time on SQLite.

    The SQLite test database lives in memory with a shared cache: two requests at once (an htmx
    request the browser aborts, then the next one) clash there with ATOMIC_REQUESTS ("cannot
    commit - no transaction is active"). PostgreSQL gives each request thread its own connection.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    if connection.vendor == "sqlite":
        server.thread.server_class = SerialWSGIServer
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (set CHROMIUM_PATH or put `chromium` on the PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh context; JavaScript errors and CSP violations on it fail the test."""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    errors = []
    context.expose_binding(
        "__cspViolation", lambda source, text: errors.append(f"CSP on {source['page'].url}: {text}")
    )
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message):
        # htmx logs a request it aborts on purpose (hx-sync replace) as two errors; a page
        # visited for its error status (403, 404) logs that status.
        expected = message.text.startswith(HTMX_ABORT_LOGS) or (
            message.text.startswith("Failed to load resource")
            and message.location.get("url") == page.url
        )
        if "Content Security Policy" in message.text or (message.type == "error" and not expected):
            errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the browser: {errors}"


@pytest.fixture
def log_in(page, live_server):
    """Log a user in the browser through a session cookie (the login form has its own test)."""

    def log_in(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot to SHOTS (not committed: for people to look at)."""

    def screenshot(name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SHOTS / f"{name}.png", full_page=True)

    return screenshot


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['html'][:200]}" for node in violation["nodes"])
    return "\n".join(lines)


@pytest.fixture
def assert_accessible(page, axe):
    """axe-core (all its rules, WCAG and best practices) reports no violation on the page."""

    def assert_accessible():
        violations = axe.run(page).response["violations"]
        assert not violations, f"axe-core on {page.url}:\n{describe(violations)}"

    return assert_accessible


@pytest.fixture
def agenda(transactional_db):
    """A planned session of La Fabrique's committee with one startup on its agenda and one
    due, and a staff member of the incubator."""
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    committee = CommitteeFactory(name="Comité de la Fabrique", incubator=incubator)
    CommitteeMemberFactory(committee=committee, role=MemberRole.CHAIR)
    session = SessionFactory(committee=committee)
    ReviewFactory(
        session=session, startup=StartupFactory(name="Déjà inscrite", incubator=incubator)
    )
    StartupFactory(name="Attendue", incubator=incubator, committee_days_ago=200)
    return {"session": session, "staff": UserFactory(staff_of=incubator)}
