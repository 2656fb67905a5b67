"""Comité settings, read from the environment.

With no environment at all, Comité runs on one machine: SQLite in the project folder, Celery
tasks run eagerly in the web process, e-mails printed on the console. `DATABASE_URL` and
`REDIS_URL` switch to PostgreSQL and to Redis (Celery broker and cache).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# PRODUCTION=1 is a public host: no debug, a real secret key, HTTPS only (see "Security" below).
PRODUCTION = env_bool("PRODUCTION")
DEBUG = env_bool("DEBUG")
if PRODUCTION and DEBUG:
    raise RuntimeError("DEBUG must be off in production")
DEVELOPMENT_SECRET_KEY = "insecure-development-key-never-used-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION and SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
    raise RuntimeError("SECRET_KEY must be set in production")
SECRET_KEY = SECRET_KEY or DEVELOPMENT_SECRET_KEY
# Where Comité is served, for the absolute links of the e-mails sent by the workers.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Who publishes and hosts this instance, for the legal notices and the personal-data page
# (`config/legal.py`). The hosting provider depends on the deployment: production must set it.
LEGAL = {
    "publisher": os.environ.get(
        "LEGAL_PUBLISHER",
        "Direction interministérielle du numérique (DINUM), 20 avenue de Ségur, 75007 Paris",
    ),
    "director": os.environ.get(
        "LEGAL_DIRECTOR", "la directrice ou le directeur interministériel du numérique"
    ),
    "hosting": os.environ.get("LEGAL_HOSTING", ""),
    "contact": os.environ.get("LEGAL_CONTACT_EMAIL", "contact@beta.gouv.fr"),
}
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "template_partials",
    "dsfr",
    "accounts",
    "startups",
    "metrics",
    "committees",
]

MIDDLEWARE = [
    "config.middleware.health",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.permissions_policy",
    "config.middleware.private_pages",
    "config.middleware.refuse_nul",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
            "string_if_invalid": os.environ.get("TEMPLATE_STRING_IF_INVALID", ""),
            # {% partialdef %} everywhere, as Django 6 has it built in.
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]
FORM_RENDERER = "dsfr.forms.DsfrDjangoTemplates"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several requests at once (`make run`): a transaction takes the
    # write lock when it begins (not half-way, when SQLite could only fail it: "database is
    # locked"), writers wait up to 20 s for each other, and readers do not block them (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "sesame.backends.ModelBackend",
    # ProConnect; it answers nothing while ProConnect is not configured.
    "accounts.proconnect.ProConnectBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Magic links: valid 30 minutes, once.
SESAME_MAX_AGE = 30 * 60
SESAME_ONE_TIME = True
# Retention (docs/data.md, the "Données personnelles" page): the signed-in sessions last two
# weeks and expired ones are deleted each night; the members' private notes on an item are
# erased this long after its session closed (long enough for a correction of the decision).
SESSION_COOKIE_AGE = 14 * 24 * 3600
PRIVATE_NOTES_RETENTION_DAYS = int(os.environ.get("PRIVATE_NOTES_RETENTION_DAYS", "90"))
# No "bon de commande" goes out between these days ("MM-DD"): from the closing day, included, to
# the reopening day, excluded (startups/orders.py). Decisions granting money in the closing
# day's month, or inside the window, warn the chair, the purchasing team and the round's page.
PURCHASING_ORDER_WINDOW_CLOSES = os.environ.get("PURCHASING_ORDER_WINDOW_CLOSES", "12-15")
PURCHASING_ORDER_WINDOW_REOPENS = os.environ.get("PURCHASING_ORDER_WINDOW_REOPENS", "02-01")

# --- ProConnect sign-in (mozilla-django-oidc, accounts/proconnect.py) -------------------------
# ProConnect is the State's OpenID Connect for public agents. On when PROCONNECT_CLIENT_ID,
# PROCONNECT_CLIENT_SECRET and PROCONNECT_DOMAIN are set; otherwise the button is not shown.
# PROCONNECT_DOMAIN, from ProConnect's documentation ("valeur de PROCONNECT_DOMAIN"):
# fca.integ01.dev-agentconnect.fr for integration, auth.agentconnect.gouv.fr for production
# (…rie.gouv.fr hosts on the RIE network). Its endpoints are https://PROCONNECT_DOMAIN/api/v2/…
# (the same as its discovery document, /api/v2/.well-known/openid-configuration, lists).
PROCONNECT_DOMAIN = os.environ.get("PROCONNECT_DOMAIN", "").strip().strip("/")
OIDC_RP_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
PROCONNECT_ENABLED = bool(PROCONNECT_DOMAIN and OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET)
_proconnect_api = f"https://{PROCONNECT_DOMAIN}/api/v2" if PROCONNECT_ENABLED else ""
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{_proconnect_api}/authorize" if _proconnect_api else ""
OIDC_OP_TOKEN_ENDPOINT = f"{_proconnect_api}/token" if _proconnect_api else ""
OIDC_OP_USER_ENDPOINT = f"{_proconnect_api}/userinfo" if _proconnect_api else ""
OIDC_OP_JWKS_ENDPOINT = f"{_proconnect_api}/jwks" if _proconnect_api else ""
OIDC_OP_LOGOUT_ENDPOINT = f"{_proconnect_api}/session/end" if _proconnect_api else ""
# ID token and userinfo are JWTs signed with ProConnect's key (RS256, keys from the JWKS).
OIDC_RP_SIGN_ALGO = "RS256"
# One ProConnect scope per claim; all five are given to every service provider.
OIDC_RP_SCOPES = os.environ.get("PROCONNECT_SCOPES", "openid email given_name usual_name siret uid")
# ProConnect refuses any authorize parameter it does not know: no PKCE; the eIDAS level, its
# only one for service providers, unless PROCONNECT_ACR_VALUES is set empty.
OIDC_USE_PKCE = False
_proconnect_acr = os.environ.get("PROCONNECT_ACR_VALUES", "eidas1")
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": _proconnect_acr} if _proconnect_acr else {}
# Accounts are never created at sign-in: only people with an account (invited) come in.
OIDC_CREATE_USER = False
# The id_token is kept in the session for the logout at ProConnect (id_token_hint).
OIDC_STORE_ID_TOKEN = True
OIDC_OP_LOGOUT_URL_METHOD = "accounts.proconnect.provider_logout_url"
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:proconnect-callback"
LOGIN_REDIRECT_URL_FAILURE = "accounts:login"
OIDC_TIMEOUT = 10
# ---------------------------------------------------------------------------------------------

LANGUAGE_CODE = "fr-fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND", "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if DEBUG:
    STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
# Uploaded and generated files (the PDF documents) go to the default storage: MEDIA_ROOT, never
# served as such, or an S3-compatible bucket when S3_BUCKET is set, private, its files read
# through Comité's download view that checks who asks.
if S3_BUCKET := os.environ.get("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
# WhiteNoise rewrites the DSFR stylesheet, which breaks django-dsfr's integrity hashes.
DSFR_USE_INTEGRITY_CHECKSUMS = False

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
    # Fail fast when Redis is away: the outbox (accounts/outbox.py) relays what waits.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # No broker: tasks run in the calling process, so one machine is enough.
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
# The sign-in limits' counters when the shared cache does not answer (accounts/ratelimit.py).
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# Nothing reads a task's result; without a result store, sending a task talks to the broker only.
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `celery -A config beat` (one process, the Procfile's `beat`) schedules, workers run; the
# times are Europe/Paris (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "report-reminders": {
        "task": "committees.tasks.send_report_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "documents-recover": {"task": "committees.tasks.recover_documents", "schedule": 15.0},
    # Written procedures: close the votes past their deadline, remind who has not voted.
    "written-procedures-close": {
        "task": "committees.tasks.close_written_procedures",
        "schedule": 60.0,
    },
    "vote-reminders": {"task": "committees.tasks.send_vote_reminders", "schedule": 300.0},
    "retention": {
        "task": "committees.tasks.apply_retention",
        "schedule": crontab(hour=4, minute=0),
    },
    # The metrics' sources (Matomo, Metabase), on the 2nd of each month: last month is whole.
    "metric-sources": {
        "task": "metrics.tasks.fetch_metric_sources",
        "schedule": crontab(day_of_month=2, hour=6, minute=0),
    },
    "outbox-relay": {"task": "accounts.tasks.relay_outbox", "schedule": 60.0},
    "betagouv-sync": {
        "task": "startups.tasks.sync_betagouv",
        "schedule": crontab(hour=2, minute=30),
    },
    # After the portfolio's: the teams' members from espace-membre, as proposals for the staff.
    "espace-membre-sync": {
        "task": "startups.tasks.sync_members",
        "schedule": crontab(hour=3, minute=15),
    },
}
# A document whose worker's heartbeat (every third of this) stopped this long ago is taken over
# by another: its worker died. With the beat's 15 s, a dead worker's job restarts within 45 s.
DOCUMENT_CLAIM_TIMEOUT = int(os.environ.get("DOCUMENT_CLAIM_TIMEOUT", "30"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "media" / "emails"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Comité <comite@beta.gouv.fr>")

# Where `make run` imports the real portfolio from.
BETAGOUV_DATA_DIR = Path(
    os.environ.get("BETAGOUV_DATA_DIR", BASE_DIR.parent / "shared/data/betagouv")
)
# The public beta.gouv.fr API that `sync_betagouv` reads every night (startups.json of v2.7
# and organisations.json of v2.6 under it; startups/sync.py).
BETAGOUV_API_URL = os.environ.get("BETAGOUV_API_URL", "https://beta.gouv.fr/api/")
# Outbound requests (comite/http.py) reach these hosts only: a name, or `*.` for its
# subdomains (which must then resolve to public addresses). Seconds for connecting and for
# each read.
OUTBOUND_ALLOWED_HOSTS = env_list(
    "OUTBOUND_ALLOWED_HOSTS",
    "beta.gouv.fr,espace-membre.incubateur.net,stats.beta.gouv.fr,*.metabaseapp.com,"
    "www.data.gouv.fr",
)
OUTBOUND_TIMEOUT = float(os.environ.get("OUTBOUND_TIMEOUT", "30"))
# espace-membre's protected API (startups/members.py): its base URL and the key the programme's
# team gives (`em1_…`, a secret: never in the repository). Without a key the sync refuses.
ESPACE_MEMBRE_URL = os.environ.get("ESPACE_MEMBRE_URL", "https://espace-membre.incubateur.net")
ESPACE_MEMBRE_API_KEY = os.environ.get("ESPACE_MEMBRE_API_KEY", "")
# The key(s) encrypting the metric sources' tokens (metrics/encryption.py): Fernet keys separated
# by commas, the first encrypting; empty, a key derived from SECRET_KEY.
SOURCE_TOKEN_KEY = env_list("SOURCE_TOKEN_KEY")
# How many whole months a metric source's fetch reads back (metrics/feeds.py).
SOURCE_FETCH_MONTHS = int(os.environ.get("SOURCE_FETCH_MONTHS", "6"))

# Security. `manage.py check --deploy` is clean with PRODUCTION=1 (a test runs it). Everything
# below is on in development too, except what needs HTTPS.
# HTTPS: redirect http to https (but /healthz, for the host's probes) and tell browsers to come
# back only over HTTPS for a year (HSTS, preload-ready). Behind a proxy that terminates TLS
# (Scalingo, Clever Cloud, a load balancer), BEHIND_PROXY=1 trusts its X-Forwarded-Proto and
# X-Forwarded-For headers: set it only when such a proxy always sets them.
BEHIND_PROXY = env_bool("BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No browser feature that Comité does not use (config/middleware.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)
# Content-Security-Policy (django-csp): scripts, styles, fonts and images from Comité itself
# only, inline <script>/<style> only with the request's nonce, no inline style="" attribute, no
# eval, no plugin, no framing, forms posted to Comité only. Browsers apply form-action to the
# redirects that follow a form too: ProConnect's sign-in and logout buttons post to Comité, which
# redirects to ProConnect, so its origin is allowed (CSP_FORM_ACTION adds others). `data:` images
# are the DSFR's SVG icons inlined in its stylesheet.
_form_action = [SELF, *env_list("CSP_FORM_ACTION")]
if _proconnect_domain := os.environ.get("PROCONNECT_DOMAIN", "").strip().strip("/"):
    _form_action.append(f"https://{_proconnect_domain}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": _form_action,
        **(
            {"report-uri": os.environ["CSP_REPORT_URI"]} if os.environ.get("CSP_REPORT_URI") else {}
        ),
    }
}
# Sign-in attempts: at most RATE_LIMIT_ATTEMPTS failed passwords, or magic links asked, per
# address and per IP within RATE_LIMIT_PERIOD seconds (accounts/ratelimit.py), counted in the
# cache (Redis in production, shared by the web processes).
RATE_LIMIT_ATTEMPTS = int(os.environ.get("RATE_LIMIT_ATTEMPTS", "10"))
RATE_LIMIT_PERIOD = int(os.environ.get("RATE_LIMIT_PERIOD", str(15 * 60)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every rendering step at INFO; httpx logs each URL with
    # its query string, which may hold a token (comite/http.py logs requests without it).
    "loggers": {
        name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "httpx", "httpcore")
    },
}
