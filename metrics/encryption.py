"""The secrets Comité must send back to another site (a Matomo token), encrypted at rest.

Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`): a leaked database or backup gives no
usable token. The key is SOURCE_TOKEN_KEY when it is set (a Fernet key, or several separated by
commas, the first encrypting and all decrypting, for a rotation), else one derived from
SECRET_KEY: changing SECRET_KEY without SOURCE_TOKEN_KEY makes the stored tokens unreadable, and
the teams type them again (docs/operations.md).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# Sets the derived key apart from every other use of SECRET_KEY.
DERIVATION_CONTEXT = b"comite.metrics.source-token.v1:"


class UnreadableSecret(Exception):
    """The stored secret was encrypted with a key Comité no longer has."""


def keys() -> MultiFernet:
    if settings.SOURCE_TOKEN_KEY:
        return MultiFernet([Fernet(key) for key in settings.SOURCE_TOKEN_KEY])
    digest = hashlib.sha256(DERIVATION_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return MultiFernet([Fernet(base64.urlsafe_b64encode(digest))])


def secret_encrypt(text: str) -> str:
    return keys().encrypt(text.encode()).decode("ascii")


def secret_decrypt(stored: str) -> str:
    try:
        return keys().decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise UnreadableSecret(
            "Le jeton enregistré ne peut plus être déchiffré (la clé du serveur a changé) : "
            "saisissez-le de nouveau."
        ) from None
