"""Production hardening: the deploy check, the headers and the CSP, the error pages
and the health check."""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.test import Client
from django.urls import include, path, reverse

from accounts.outbox import RELAYED_AT, outbox_relay
from tests.factories import SessionFactory

BASE_DIR = Path(settings.BASE_DIR)
# Served pages only: e-mails need inline styles, PDFs are WeasyPrint's.
SERVED_TEMPLATES = [
    template
    for template in (BASE_DIR / "templates").rglob("*.html")
    if not {"emails", "pdf"} & set(template.relative_to(BASE_DIR / "templates").parts)
]


@login_not_required
def broken(request):
    raise ZeroDivisionError("secret internals")


@login_not_required
def forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom", broken), path("interdit", forbidden), path("", include("config.urls"))]


# What the test run sets for itself (the browser tests allow sync database calls under
# Playwright's event loop): not part of a production environment.
NOT_PRODUCTION = {
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def production_env(**extra):
    env = {key: value for key, value in os.environ.items() if key not in NOT_PRODUCTION}
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "comite.beta.gouv.fr",
        **extra,
    }


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )


def test_the_deploy_check_is_clean_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set in production"),
        (
            {"SECRET_KEY": "insecure-development-key-never-used-in-production"},
            "SECRET_KEY must be set in production",
        ),
        ({"DEBUG": "1"}, "DEBUG must be off in production"),
    ],
)
def test_production_refuses_the_development_key_and_debug(extra, error):
    result = manage("check", env=production_env(**extra))
    assert result.returncode != 0 and error in result.stderr


def test_pages_carry_the_security_headers_and_a_nonce_policy(client, db):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == directives["style-src"] == f"'self' 'nonce-{nonce}'"
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in policy
    # Every script of the page carries the request's nonce.
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in script for script in scripts)
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_each_response_has_its_own_nonce(client, db):
    first, second = (client.get(reverse("accounts:login")) for _ in range(2))
    assert first["Content-Security-Policy"] != second["Content-Security-Policy"]


@pytest.mark.parametrize("template", SERVED_TEMPLATES, ids=lambda t: t.name)
def test_served_templates_have_no_inline_style_or_script_without_nonce(template):
    source = template.read_text()
    assert not re.search(r"\sstyle=", source), "a style= attribute: use a class of comite.css"
    assert not re.search(r"\shx-on|\son[a-z]+=", source), "an inline event handler"
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", source):
        assert "src=" in tag or "nonce=" in tag, f"inline {tag} without the request's nonce"


def test_the_production_cookies_are_secure_http_only_and_lax():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.DEBUG)",
        env=production_env(),
    )
    assert result.stdout.splitlines()[-1].split() == [
        "True", "True", "True", "Lax", "True", str(365 * 24 * 3600), "True", "False"
    ]  # fmt: skip


@pytest.mark.urls("tests.test_security")
def test_an_error_shows_the_500_page_without_any_detail(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom")
    page = response.content.decode()
    assert response.status_code == 500 and not settings.DEBUG
    assert "Erreur inattendue" in page and "Erreur 500" in page
    assert "Traceback" not in page and "ZeroDivisionError" not in page
    assert "secret internals" not in page
    assert "Content-Security-Policy" in response


@pytest.mark.urls("tests.test_security")
def test_a_refusal_shows_the_403_page(client, outsider):
    client.force_login(outsider)
    response = client.get("/interdit")
    assert response.status_code == 403 and "Accès refusé" in response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_unknown_address_shows_the_404_page(client, outsider, signed_in):
    if signed_in:
        client.force_login(outsider)
    response = client.get("/nulle-part/")
    assert response.status_code == 404 and "Page non trouvée" in response.content.decode()


EAGER = {"broker": "eager", "worker": "eager", "beat": "eager"}
needs_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")


def test_healthz_answers_anonymous_without_a_broker(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok"} | EAGER
    assert "no-cache" in response["Cache-Control"]


def a_broker_without_workers(broker) -> None:
    """The Redis of REDIS_URL, on a database no worker of this run listens to."""
    url, db = settings.REDIS_URL.rsplit("/", 1)
    broker.point(f"{url}/{(int(db or 0) + 8) % 16}", eager=False)


@needs_redis
def test_healthz_checks_the_broker_a_worker_and_beat(client, db, celery_worker, broker):
    broker.point(settings.REDIS_URL, eager=False)
    outbox_relay()  # as beat does every minute
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()) == (
        200,
        {"database": "ok", "broker": "ok", "worker": "ok", "beat": "ok"},
    )

    cache.set(RELAYED_AT, time.time() - 4 * 60)  # beat stopped four minutes ago
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.json()["beat"]) == (503, "error")


@needs_redis
def test_healthz_names_a_missing_worker(client, db, broker):
    a_broker_without_workers(broker)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "broker": "ok",
        "worker": "error",
        "beat": "unknown",
    }


def test_healthz_names_a_broker_that_does_not_answer(client, db, broker):
    broker.down()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {
        "database": "ok",
        "broker": "error",
        "worker": "unknown",
        "beat": "unknown",
    }


@pytest.mark.parametrize("signed_in", [False, True])
def test_healthz_names_a_database_that_does_not_answer_whatever_the_cookies(
    client, staff, monkeypatch, signed_in
):
    if signed_in:  # the session would be read from the database before any view
        client.force_login(staff)
        client.cookies["csrftoken"] = "x" * 32

    def refuse():
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"database": "error"} | EAGER


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 301


def test_what_a_signed_in_person_is_shown_is_never_cached(client, staff, startup):
    session = SessionFactory(committee__incubator=startup.incubator)
    client.force_login(staff)
    for url in (
        reverse("home"),
        startup.get_absolute_url(),
        reverse("committees:decisions-csv"),
        reverse("committees:session-ics", args=[session.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_public_page_asked_for_without_a_session_stays_cacheable(client, startup):
    startup.public_page = True
    startup.save(update_fields=["public_page"])
    response = client.get(reverse("metrics:public", args=[startup.slug]))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/public/startups/%00/", "caractère nul"),
        ("/portefeuille/?incubateur=%00", "caractère nul"),
        (
            "/public/decisions.json?du=2026-02-30",
            "« 2026-02-30 » n’est pas une date qui existe (du)",
        ),
    ],
)
def test_impossible_input_in_an_address_is_a_400_with_its_reason(client, staff, url, reason):
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert "Requête invalide" in response.content.decode()
