"""Staff sync the portfolio from a beta.gouv.fr API served by a real local server, in the
browser: the button, the progress, the summary."""

import json

import pytest
from playwright.sync_api import expect

from startups.api_mirror import organisations_json, startups_json
from startups.models import Startup
from tests.factories import IncubatorFactory, UserFactory
from tests.local_server import LocalServer
from tests.startups.test_import_betagouv import DATA

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"real data not found in {DATA}")


def test_staff_sync_the_portfolio_from_the_api(
    page, log_in, screenshot, assert_accessible, transactional_db, settings
):
    staff = UserFactory(email="staff@example.org", staff_of=IncubatorFactory(slug="fabrique"))
    with LocalServer() as server:
        server.route("/api/v2.7/startups.json", json.dumps(startups_json(DATA)).encode())
        server.route("/api/v2.6/organisations.json", json.dumps(organisations_json(DATA)).encode())
        settings.BETAGOUV_API_URL = server.url("/api/")
        settings.OUTBOUND_ALLOWED_HOSTS = [*settings.OUTBOUND_ALLOWED_HOSTS, "127.0.0.1"]
        log_in(staff)
        page.goto("/")
        page.get_by_role("link", name="Synchronisation").click()
        page.get_by_role("button", name="Synchroniser maintenant").click()
        expect(page.get_by_text("Synchronisation terminée le")).to_be_visible(timeout=60_000)
    assert Startup.objects.count() == 414
    expect(page.get_by_text("414").first).to_be_visible()
    screenshot("sync-done")
    assert_accessible()
