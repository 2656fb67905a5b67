"""Sign-in with ProConnect: the accounts rule, and the whole OpenID Connect flow against a real
local provider (tests/accounts/oidc_provider.py) with Django's test client."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.services import SignInRefused, proconnect_user
from tests.accounts.oidc_provider import CLIENT_ID, query, running_provider
from tests.factories import UserFactory


@pytest.fixture(scope="module")
def provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def proconnect(provider, settings):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    return provider


def sign_in(client, provider, email):
    """Click the button, authorize at the provider as `email`, come back to Comité."""
    response = client.get(reverse("accounts:proconnect-login"))
    assert response.status_code == 302
    callback = provider.authorize(response["Location"], sub=email)
    return client.get(callback)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# The accounts rule


def test_an_invited_person_is_found_by_email_whatever_its_case(db):
    anne = UserFactory(email="anne.martin@example.gouv.fr")
    assert proconnect_user(claims={"email": "Anne.Martin@Example.gouv.fr"}) == anne


def test_an_unknown_person_gets_no_account(db, django_user_model):
    with pytest.raises(SignInRefused, match="Aucun compte Comité n’est ouvert"):
        proconnect_user(claims={"email": "inconnu@example.gouv.fr"})
    assert not django_user_model.objects.filter(email="inconnu@example.gouv.fr").exists()


def test_a_deactivated_account_is_refused(db):
    UserFactory(email="partie@example.gouv.fr", is_active=False)
    with pytest.raises(SignInRefused, match="désactivé"):
        proconnect_user(claims={"email": "partie@example.gouv.fr"})


def test_claims_without_email_are_refused(db):
    with pytest.raises(SignInRefused, match="adresse électronique"):
        proconnect_user(claims={"sub": "abc"})


def test_names_come_from_given_name_and_usual_name(db):
    anne = UserFactory(email="anne@example.gouv.fr", first_name="", last_name="Ancien")
    proconnect_user(claims={"email": anne.email, "given_name": "Anne", "usual_name": "Martin"})
    anne.refresh_from_db()
    assert (anne.first_name, anne.last_name) == ("Anne", "Martin")
    # A claim ProConnect leaves empty does not erase a name.
    proconnect_user(claims={"email": anne.email, "given_name": "", "usual_name": "Martin"})
    anne.refresh_from_db()
    assert anne.first_name == "Anne"


# Configuration


def test_without_configuration_no_button_and_no_proconnect_urls(client, db, settings):
    settings.PROCONNECT_ENABLED = False
    assert "S’identifier avec" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("accounts:proconnect-login")).status_code == 404
    assert client.get(reverse("accounts:proconnect-callback")).status_code == 404


def test_the_login_page_shows_the_button_when_configured(client, db, proconnect):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'class="fr-connect"' in page and "ProConnect" in page
    assert "membres indépendants des équipes" in page


def test_the_authorize_request_has_only_the_parameters_proconnect_knows(
    client, db, proconnect, settings
):
    response = client.get(reverse("accounts:proconnect-login"))
    params = query(response["Location"])
    assert set(params) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "acr_values",
    }
    assert params["scope"] == "openid email given_name usual_name siret uid"
    assert params["acr_values"] == "eidas1"
    assert params["client_id"] == CLIENT_ID
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://testserver/comptes/proconnect/retour/"


def test_production_endpoints_come_from_the_proconnect_domain(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("PROCONNECT_DOMAIN", "auth.agentconnect.gouv.fr")
    monkeypatch.setenv("PROCONNECT_CLIENT_ID", "id")
    monkeypatch.setenv("PROCONNECT_CLIENT_SECRET", "secret")
    try:
        module = importlib.reload(config.settings)
        assert module.PROCONNECT_ENABLED
        endpoints = {
            name: getattr(module, f"OIDC_OP_{name}_ENDPOINT")
            for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS", "LOGOUT")
        }
        base = "https://auth.agentconnect.gouv.fr/api/v2"
        assert endpoints == {
            "AUTHORIZATION": f"{base}/authorize",
            "TOKEN": f"{base}/token",
            "USER": f"{base}/userinfo",
            "JWKS": f"{base}/jwks",
            "LOGOUT": f"{base}/session/end",
        }
    finally:
        monkeypatch.undo()
        importlib.reload(config.settings)


# The whole flow against a real provider


def test_an_invited_person_signs_in_and_their_names_are_updated(client, db, proconnect):
    anne = UserFactory(email="anne.martin@example.gouv.fr", first_name="", last_name="")
    proconnect.set_person(
        "Anne.Martin@example.gouv.fr",
        given_name="Anne",
        usual_name="Martin",
        siret="11002001300097",
        uid="42",
    )
    response = sign_in(client, proconnect, "Anne.Martin@example.gouv.fr")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).wsgi_request.user == anne
    anne.refresh_from_db()
    assert (anne.first_name, anne.last_name) == ("Anne", "Martin")
    assert client.session["oidc_id_token"]  # kept for the logout at ProConnect


def test_an_unknown_person_comes_back_to_the_login_page_with_a_message(
    client, db, proconnect, django_user_model
):
    proconnect.set_person("inconnu@example.gouv.fr", given_name="Paul", usual_name="Durand")
    response = sign_in(client, proconnect, "inconnu@example.gouv.fr")
    assert response["Location"] == reverse("accounts:login")
    assert any("Aucun compte Comité" in message for message in messages_of(response))
    assert not django_user_model.objects.filter(email__iexact="inconnu@example.gouv.fr").exists()
    assert client.get(reverse("home")).status_code == 302


def test_a_deactivated_account_comes_back_to_the_login_page(client, db, proconnect):
    UserFactory(email="partie@example.gouv.fr", is_active=False)
    proconnect.set_person("partie@example.gouv.fr")
    response = sign_in(client, proconnect, "partie@example.gouv.fr")
    assert response["Location"] == reverse("accounts:login")
    assert any("désactivé" in message for message in messages_of(response))


def test_a_denied_authorization_comes_back_with_a_message(client, db, proconnect):
    response = client.get(reverse("accounts:proconnect-login"))
    import requests

    denied = requests.post(
        response["Location"], data={"action": "deny"}, allow_redirects=False, timeout=5
    )
    response = client.get(denied.headers["Location"])
    assert response["Location"] == reverse("accounts:login")
    assert any("n’a pas abouti" in message for message in messages_of(response))


def test_a_session_of_a_deactivated_account_ends(client, db, proconnect):
    anne = UserFactory(email="anne@example.gouv.fr")
    proconnect.set_person(anne.email)
    sign_in(client, proconnect, anne.email)
    assert client.get(reverse("home")).status_code == 200
    anne.is_active = False
    anne.save(update_fields=["is_active"])
    assert client.get(reverse("home")).status_code == 302


def test_logout_goes_through_proconnect_end_of_session(client, db, proconnect):
    anne = UserFactory(email="anne@example.gouv.fr")
    proconnect.set_person(anne.email)
    sign_in(client, proconnect, anne.email)
    id_token = client.session["oidc_id_token"]

    response = client.post(reverse("accounts:logout"))
    assert response["Location"].startswith(f"{proconnect.url}/oauth2/end_session?")
    params = query(response["Location"])
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == "http://testserver/comptes/proconnect/deconnexion/"
    assert len(params["state"]) >= 32
    assert client.get(reverse("home")).status_code == 302  # logged out of Comité already

    back = client.get(reverse("accounts:proconnect-logout"), {"state": params["state"]})
    assert back["Location"] == reverse("accounts:login")
    assert "déconnecté de Comité et de ProConnect" in " ".join(messages_of(back))


def test_logout_after_a_password_sign_in_stays_in_comite(client, db, proconnect):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


def test_a_forged_logout_return_says_nothing(client, db):
    response = client.get(reverse("accounts:proconnect-logout"), {"state": "x" * 32})
    assert response["Location"] == reverse("accounts:login")
    assert messages_of(response) == []
