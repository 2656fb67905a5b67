"""Sign-in with ProConnect, the State's OpenID Connect for public agents (mozilla-django-oidc).

What ProConnect's documentation asks of a service provider, and where it is done:
- the authorize request carries only the parameters ProConnect knows (settings: no PKCE,
  `acr_values`), with a `state` and a `nonce` of 32 characters (mozilla-django-oidc);
- the ID token and the userinfo answer are JWTs signed by ProConnect (RS256, keys from its JWKS
  endpoint), checked here for their audience too;
- the account is found by e-mail and never created (accounts.services.proconnect_user);
- the id_token stays in the session, and logging out goes through ProConnect's
  `end_session_endpoint` with `id_token_hint`, `state` and `post_logout_redirect_uri`.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, get_random_string
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from .services import SignInRefused, proconnect_user

logger = logging.getLogger(__name__)

LOGOUT_STATE = "proconnect_logout_state"
REFUSED = (
    "La connexion avec ProConnect n’a pas abouti. Réessayez, ou utilisez un lien de connexion."
)


class ProConnectBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        if not settings.PROCONNECT_ENABLED:
            return None
        return super().authenticate(request, **kwargs)

    def get_payload_data(self, token, key):
        """The signature (in mozilla-django-oidc), and the audience: a token for this client."""
        payload = super().get_payload_data(token, key)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ProConnect token for another audience")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        # The userinfo answer is a signed JWT at ProConnect (content type application/jwt),
        # verified by mozilla-django-oidc; a plain JSON answer is read as such (other providers).
        claims = self.get_userinfo(access_token, id_token, payload)
        try:
            return proconnect_user(claims=claims)
        except SignInRefused as refusal:
            logger.info("ProConnect sign-in refused: %s", refusal)
            self.request.proconnect_refusal = str(refusal)
            return None

    def get_user(self, user_id):
        # As Django's ModelBackend: a deactivated account's session ends.
        user = super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None


def provider_logout_url(request) -> str:
    """Where logging out sends the browser: ProConnect's end of session when the person came
    through ProConnect (OIDC_OP_LOGOUT_URL_METHOD), else the login page."""
    id_token = request.session.get("oidc_id_token")
    if not (settings.PROCONNECT_ENABLED and id_token):
        return reverse(settings.LOGOUT_REDIRECT_URL)
    request.proconnect_logout_state = get_random_string(32)
    query = {
        "id_token_hint": id_token,
        "state": request.proconnect_logout_state,
        "post_logout_redirect_uri": request.build_absolute_uri(
            reverse("accounts:proconnect-logout")
        ),
    }
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{urlencode(query)}"


class ProConnectMixin:
    def dispatch(self, request, *args, **kwargs):
        if not settings.PROCONNECT_ENABLED:
            raise Http404("ProConnect n’est pas configuré.")
        return super().dispatch(request, *args, **kwargs)


class AuthenticationRequestView(ProConnectMixin, OIDCAuthenticationRequestView):
    pass


class CallbackView(ProConnectMixin, OIDCAuthenticationCallbackView):
    def login_failure(self):
        messages.error(self.request, getattr(self.request, "proconnect_refusal", REFUSED))
        return super().login_failure()

    @property
    def failure_url(self):
        return reverse(settings.LOGIN_REDIRECT_URL_FAILURE)


class LogoutView(OIDCLogoutView):
    """Log out of Comité, then of ProConnect for a ProConnect session (provider_logout_url)."""

    http_method_names = ["post"]

    def post(self, request):
        response = super().post(request)
        # The session was flushed: the new one keeps the state to check on the way back.
        if state := getattr(request, "proconnect_logout_state", None):
            request.session[LOGOUT_STATE] = state
        return response


def logout_done(request):
    """ProConnect's post_logout_redirect_uri: back from its end of session."""
    expected = request.session.pop(LOGOUT_STATE, "")
    if expected and constant_time_compare(expected, request.GET.get("state", "")):
        messages.success(request, "Vous êtes déconnecté de Comité et de ProConnect.")
    return redirect("accounts:login")
