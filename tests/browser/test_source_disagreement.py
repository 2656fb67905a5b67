"""Staff see on a startup's page that beta.gouv.fr disagrees with a committee decision, and
resolve it; axe-core on the page with the notice."""

import datetime
import shutil

from django.conf import settings
from playwright.sync_api import expect

from startups import services
from startups.betagouv import import_betagouv
from startups.enums import Lifecycle
from startups.models import SourceDisagreement, Startup
from tests.factories import UserFactory
from tests.utils import TODAY


def test_staff_see_the_disagreement_and_resolve_it(
    transactional_db, tmp_path, page, log_in, screenshot, assert_accessible
):
    data = settings.BETAGOUV_DATA_DIR
    for kind in ("_organisations", "_incubators"):
        shutil.copytree(data / kind, tmp_path / kind)
    (tmp_path / "_startups").mkdir()
    shutil.copy(data / "_startups" / "ecobalyse.md", tmp_path / "_startups")
    import_betagouv(tmp_path, today=TODAY)
    startup = Startup.objects.get(slug="ecobalyse")
    decided_on = TODAY - datetime.timedelta(days=5)
    services.phase_change(startup=startup, lifecycle=Lifecycle.TRANSFER, on=decided_on, today=TODAY)
    import_betagouv(tmp_path, today=TODAY)
    log_in(UserFactory(email="camille@example.org", staff_of=startup.incubator))

    page.goto("/portefeuille/startups/ecobalyse/")
    notice = page.locator(".fr-alert--warning", has_text="Désaccord avec beta.gouv.fr")
    expect(page.get_by_text("décidée en comité")).to_be_visible()
    expect(notice).to_contain_text(
        f"beta.gouv.fr indique accélération ; décision du {decided_on:%d/%m/%Y} : transfert"
    )
    screenshot("startup-source-disagreement")
    assert_accessible()

    notice.get_by_role("button", name="Marquer comme résolu").click()
    expect(page.get_by_text("Désaccord avec beta.gouv.fr marqué comme résolu.")).to_be_visible()
    expect(notice).to_have_count(0)
    assert SourceDisagreement.objects.get().resolved_at is not None
