"""Issuing and revoking an API token in the browser: the secret is shown once, the token is
refused once revoked; axe-core finds no violation on each step (screenshots in SHOTS)."""

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from metrics.models import ApiToken
from metrics.tokens import api_token_issue
from tests.factories import IncubatorFactory, MetricFactory, StartupFactory, UserFactory
from tests.utils import month


@pytest.fixture
def team(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    startup = StartupFactory(slug="mon-service", name="Mon Service", incubator=incubator)
    MetricFactory(startup=startup, label="Dossiers déposés")
    staff = UserFactory(email="staff@example.org", first_name="Camille", staff_of=incubator)
    member = UserFactory(email="intra@example.org", member_of=startup)
    return {"startup": startup, "staff": staff, "member": member}


def push(secret: str) -> int:
    response = Client().post(
        "/api/v1/measurements",
        {"measurements": [{"metric": "Dossiers déposés", "month": month(-1), "value": 12}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    return response.status_code


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 800}]
)
def test_staff_issue_a_token_see_it_once_and_revoke_it(
    page, log_in, screenshot, assert_accessible, team, viewport
):
    page.set_viewport_size(viewport)
    size = "mobile" if viewport["width"] < 600 else "desktop"
    log_in(team["staff"])
    url = reverse("metrics:api-tokens", args=["mon-service"])
    page.goto(url)
    expect(page.get_by_text("Aucun jeton n’a été émis pour cette startup.")).to_be_visible()
    assert_accessible()

    page.get_by_label("Usage du jeton").fill("Export Metabase mensuel")
    page.get_by_role("button", name="Émettre un jeton").click()
    alert = page.locator(".fr-alert--success")
    expect(alert).to_contain_text("copiez-le maintenant")
    secret = alert.locator(".comite-code--secret code").inner_text()
    assert secret.startswith("comite_")
    expect(alert.locator(".comite-code").nth(1)).to_contain_text(f"Bearer {secret}")
    screenshot(f"api-tokens-issued-{size}")
    assert_accessible()
    assert push(secret) == 200

    page.goto(url)
    expect(page.locator(".fr-alert--success")).to_have_count(0)
    assert secret not in page.content()
    row = page.get_by_role("row").filter(has_text="Export Metabase mensuel")
    expect(row).to_contain_text("Actif")
    expect(row).not_to_contain_text("jamais")  # last used just now

    row.get_by_role("link", name="Révoquer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Révoquer le jeton comite_")
    screenshot(f"api-tokens-revoke-{size}")
    assert_accessible()
    page.get_by_role("button", name="Révoquer le jeton").click()
    expect(page.get_by_text("est révoqué : il est refusé dès maintenant")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Export Metabase mensuel")).to_contain_text(
        "Révoqué le"
    )
    screenshot(f"api-tokens-revoked-{size}")
    assert_accessible()
    assert push(secret) == 401
    assert not ApiToken.objects.get().is_active


def test_the_team_sees_its_tokens_without_issuing(
    page, log_in, screenshot, assert_accessible, team
):
    log_in(team["member"])
    api_token_issue(startup=team["startup"], label="Script de l’équipe", by=team["staff"])
    page.goto(reverse("metrics:api-tokens", args=["mon-service"]))
    expect(page.get_by_role("row").filter(has_text="Script de l’équipe")).to_contain_text("Actif")
    expect(page.get_by_role("button", name="Émettre un jeton")).to_have_count(0)
    expect(page.get_by_role("link", name="Révoquer")).to_have_count(0)
    expect(page.get_by_text("demandez-lui un jeton")).to_be_visible()
    screenshot("api-tokens-team")
    assert_accessible()
