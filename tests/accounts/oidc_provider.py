"""A real OpenID Connect provider for the ProConnect tests: oidc-provider-mock, shaped like
ProConnect where they differ.

oidc-provider-mock answers userinfo in JSON and knows the standard scopes only. ProConnect signs
its userinfo answer (a JWT, `application/jwt`) and gives its own claims (given_name, usual_name,
siret, uid) by scopes of the same names. The provider below signs every userinfo answer with the
provider's own key (the one its JWKS endpoint publishes) and puts all the person's claims in it,
for this client (aud) and from this issuer (iss), as ProConnect does.
"""

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import flask
import oidc_provider_mock
import requests
import werkzeug.serving
from authlib.jose import jwt

CLIENT_ID = "comite-test-client"
CLIENT_SECRET = "comite-test-secret"


@dataclass
class Provider:
    url: str

    def settings(self) -> dict:
        """Comité's settings for this provider (ProConnect's are built from PROCONNECT_DOMAIN)."""
        return {
            "PROCONNECT_ENABLED": True,
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/oauth2/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/oauth2/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/jwks",
            "OIDC_OP_LOGOUT_ENDPOINT": f"{self.url}/oauth2/end_session",
            # The mock's ID tokens name no key (ProConnect's do, for its key rotation); its
            # JWKS has one key, which checks them all the same.
            "OIDC_VERIFY_KID": False,
        }

    def set_person(self, email: str, **claims) -> None:
        """The claims ProConnect would give for this person (their `sub` is the address)."""
        response = requests.put(
            f"{self.url}/users/{email}", json={"email": email, **claims}, timeout=5
        )
        response.raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Submit the provider's authorize form for `sub`; the callback URL it redirects to."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def _sign_userinfo(response: flask.Response) -> flask.Response:
    if flask.request.path != "/userinfo" or response.status_code != 200:
        return response
    storage = flask.g.oidc_provider_mock_storage
    token = flask.request.headers["Authorization"].removeprefix("Bearer ")
    person = storage.get_access_token(token).get_user()
    now = int(time.time())
    claims = {
        **person.claims,
        "sub": person.sub,
        "iss": flask.request.host_url.rstrip("/"),
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 60,
    }
    key = storage.jwk
    header = {"alg": "RS256", "kid": key.as_dict()["kid"]}
    signed = jwt.encode(header, claims, key).decode()
    return flask.Response(signed, content_type="application/jwt; charset=utf-8")


@contextmanager
def running_provider():
    app = oidc_provider_mock.app(require_nonce=True)
    app.after_request(_sign_userinfo)
    server = werkzeug.serving.make_server("localhost", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield Provider(url=f"http://localhost:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlparse(url).query).items()}
