"""Per-startup API tokens: issued and revoked by incubator staff, used by teams' scripts.

A token is `comite_` followed by 43 random URL-safe characters (256 bits). Only its SHA-256 is
stored: looking a token up by the digest of what the client sent compares no secret byte by byte
in Python, and a leaked database gives no usable token. The secret is shown once, at issue.
"""

import datetime
import hashlib
import logging
import secrets

from django.db.models import Q
from django.utils import timezone

from startups.models import Startup

from .models import ApiToken

logger = logging.getLogger(__name__)

TOKEN_MARKER = "comite_"
PREFIX_LENGTH = 8
# Longer than any token we issue: a bigger header is refused before hashing.
MAX_SECRET_LENGTH = 100
# last_used_at is written at most once a minute per token: a script pushing in a loop does not
# turn every request into a write.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def can_manage_tokens(user, startup: Startup) -> bool:
    """Issuing and revoking belong to the staff of the startup's incubators and superusers."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return (
        Startup.objects.filter(pk=startup.pk)
        .filter(Q(incubator__staff__user=user) | Q(co_incubators__staff__user=user))
        .exists()
    )


def api_token_issue(*, startup: Startup, label: str, by) -> tuple[ApiToken, str]:
    """A new token for the startup; the secret is returned once and never stored."""
    random_part = secrets.token_urlsafe(32)
    secret = TOKEN_MARKER + random_part
    token = ApiToken.objects.create(
        startup=startup,
        digest=token_digest(secret),
        # The marker is the same for every token: the prefix shown is the start of the
        # random part, which tells tokens apart.
        prefix=random_part[:PREFIX_LENGTH],
        label=label,
        created_by=by,
    )
    logger.info("API token %s… issued for %s by %s", token.prefix, startup.slug, by)
    return token, secret


def api_token_revoke(*, token: ApiToken, by) -> bool:
    """Revoke a token for good; False when it was already revoked (nothing changes)."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        token.revoked_at = now
        logger.info("API token %s… of %s revoked by %s", token.prefix, token.startup_id, by)
    return bool(revoked)


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The active token whose secret this is (with its startup), or None."""
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        return None
    try:
        token = ApiToken.objects.select_related("startup").get(
            digest=token_digest(secret), revoked_at__isnull=True
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        # Conditional: of two requests at the same time, one writes.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token
