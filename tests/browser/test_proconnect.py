"""Sign-in with ProConnect in a real browser, against a real local OpenID Connect provider
(oidc-provider-mock, with ProConnect's signed userinfo: tests/accounts/oidc_provider.py)."""

import copy

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from tests.accounts.oidc_provider import running_provider
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def proconnect(provider, settings, page):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    # Logging out posts a form that ends at ProConnect: its origin is a form-action source
    # (in production, CSP_FORM_ACTION holds https://PROCONNECT_DOMAIN).
    policy = copy.deepcopy(getattr(django_settings, "CONTENT_SECURITY_POLICY", None))
    if policy:
        policy["DIRECTIVES"]["form-action"] = [*policy["DIRECTIVES"]["form-action"], provider.url]
        settings.CONTENT_SECURITY_POLICY = policy
    # The provider's pages load a stylesheet from a CDN, out of reach here.
    page.route(
        "https://cdn.jsdelivr.net/**", lambda route: route.fulfill(body="", content_type="text/css")
    )
    return provider


def authorize_at_provider(page, email):
    page.get_by_placeholder("sub").fill(email)
    page.get_by_role("button", name="Authorize").click()


def test_an_invited_agent_signs_in_with_proconnect_and_logs_out_there_too(
    page, live_server, proconnect, screenshot, assert_accessible
):
    UserFactory(email="anne.martin@example.gouv.fr", first_name="", last_name="")
    proconnect.set_person(
        "anne.martin@example.gouv.fr",
        given_name="Anne",
        usual_name="Martin",
        siret="11002001300097",
    )
    page.goto("/comptes/connexion/")
    button = page.get_by_role("link", name="S’identifier avec ProConnect")
    expect(button).to_be_visible()
    assert_accessible()
    screenshot("proconnect-login")

    button.click()
    assert page.url.startswith(f"{proconnect.url}/oauth2/authorize?")
    authorize_at_provider(page, "anne.martin@example.gouv.fr")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Anne Martin").first).to_be_visible()
    screenshot("proconnect-signed-in")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    assert page.url.startswith(f"{proconnect.url}/oauth2/end_session?")
    assert "id_token_hint=" in page.url
    page.get_by_role("button", name="End session").click()

    expect(page).to_have_url(f"{live_server.url}/comptes/connexion/")
    expect(page.get_by_text("Vous êtes déconnecté de Comité et de ProConnect.")).to_be_visible()


def test_an_unknown_agent_comes_back_to_the_login_page_with_a_message(
    page, live_server, proconnect, screenshot, assert_accessible
):
    page.goto("/comptes/connexion/")
    page.get_by_role("link", name="S’identifier avec ProConnect").click()
    authorize_at_provider(page, "inconnu@example.gouv.fr")

    expect(page).to_have_url(f"{live_server.url}/comptes/connexion/")
    expect(page.get_by_text("Aucun compte Comité n’est ouvert pour l’adresse")).to_be_visible()
    screenshot("proconnect-unknown")
    assert_accessible()
