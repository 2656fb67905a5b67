"""Comité's one way out to other sites: every outbound request goes through `get`.

- Only the hosts of OUTBOUND_ALLOWED_HOSTS are reached, by their exact name (`beta.gouv.fr`) or
  as a subdomain of a `*.` entry (`*.metabaseapp.com`); any other is refused before a connection
  is opened, and so is every redirect that leaves them. A host allowed through a `*.` entry must
  resolve to public addresses only: a loopback, private or link-local one is refused. Only an
  exact entry may point at such an address (the tests' `127.0.0.1`).
- A timeout (OUTBOUND_TIMEOUT seconds, or the caller's) for connecting and for each read, and
  five times that for the whole answer; a size limit, checked as the body streams in.
- A connection that fails, or a 5xx answer, is tried again RETRIES times, after a pause that
  doubles each time.
- The logs name the method, the URL without its query string (it may carry a token) and the
  outcome; never a header.

Every failure is one exception, `OutboundError`, with a French message fit to show to staff.
"""

import ipaddress
import logging
import socket
import time
from urllib.parse import urlsplit

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

MB = 1_000_000
MAX_BYTES = 5 * MB
RETRIES = 2
BACKOFF_SECONDS = 0.5
MAX_REDIRECTS = 3
WHOLE_ANSWER_TIMEOUTS = 5
# Worth another try: the connection failed or was cut.
TRANSIENT = (httpx.NetworkError, httpx.ConnectTimeout, httpx.RemoteProtocolError)


class OutboundError(Exception):
    """An outbound request that gave no usable answer; the message is French."""


class Transient(OutboundError):
    """A failure worth another try."""


def shown(url) -> str:
    """The URL without what may be secret (user, password, query, fragment)."""
    parts = urlsplit(str(url))
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def public_addresses_only(host: str, port: int | None) -> None:
    try:
        found = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundError(f"Hôte introuvable : {host}") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if getattr(address, "ipv4_mapped", None):
            address = address.ipv4_mapped
        if not address.is_global:
            raise OutboundError(f"Hôte non autorisé : {host} (adresse privée {address})")


def refuse_unless_allowed(request: httpx.Request) -> None:
    """Called before each request is sent, redirects included."""
    host = request.url.host.lower()
    entries = [entry.lower() for entry in settings.OUTBOUND_ALLOWED_HOSTS]
    if request.url.scheme not in ("http", "https"):
        raise OutboundError(f"Adresse non autorisée : {shown(request.url)}")
    if host in entries:
        return
    if not any(entry.startswith("*.") and host.endswith(entry[1:]) for entry in entries):
        raise OutboundError(f"Hôte non autorisé : {host}")
    public_addresses_only(host, request.url.port)


def refuse_unless_url_allowed(url: str) -> None:
    """OutboundError unless `url` is one `get` may reach: for a form, before anything is saved."""
    try:
        request = httpx.Request("GET", url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise OutboundError(f"Adresse illisible : {shown(url)}") from None
    refuse_unless_allowed(request)


def user_agent() -> str:
    return f"Comite/1.0 (comites d'investissement beta.gouv.fr; +{settings.SITE_URL})"


def read(client: httpx.Client, url: str, *, max_bytes: int, timeout: float) -> bytes:
    started = time.monotonic()
    too_big = OutboundError(
        f"Réponse trop volumineuse (plus de {number(max_bytes / MB)} Mo) : {shown(url)}"
    )
    slow = OutboundError(f"Délai dépassé en lisant {shown(url)} ({number(timeout)} s)")
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 500:
                raise Transient(f"Réponse HTTP {response.status_code} de {shown(url)}")
            if response.status_code != 200:
                raise OutboundError(f"Réponse HTTP {response.status_code} de {shown(url)}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise too_big
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise too_big
                if time.monotonic() - started > timeout * WHOLE_ANSWER_TIMEOUTS:
                    raise slow
    except httpx.TimeoutException as error:
        if isinstance(error, httpx.ConnectTimeout):
            raise Transient(f"Délai dépassé en se connectant à {shown(url)}") from error
        raise slow from error
    except TRANSIENT as error:
        raise Transient(f"Connexion impossible à {shown(url)} : {error}") from error
    except httpx.TooManyRedirects as error:
        raise OutboundError(f"Trop de redirections depuis {shown(url)}") from error
    except httpx.HTTPError as error:
        raise OutboundError(
            f"Échec de la requête vers {shown(url)} ({type(error).__name__})"
        ) from error
    logger.info(
        "GET %s : %s, %d octets en %.2f s",
        shown(url),
        response.status_code,
        len(body),
        time.monotonic() - started,
    )
    return bytes(body)


def get(
    url: str,
    *,
    max_bytes: int = MAX_BYTES,
    timeout: float | None = None,
    headers: dict[str, str] | None = None,
    retries: int = RETRIES,
    follow_redirects: bool = True,
) -> bytes:
    """The body of a 200 answer to GET `url`, or OutboundError. A caller that sends a secret
    in `headers` passes `follow_redirects=False`: httpx drops only `Authorization` on a
    redirect to another host, so any other header would follow it."""
    timeout = timeout or settings.OUTBOUND_TIMEOUT
    client = httpx.Client(
        headers={"User-Agent": user_agent(), **(headers or {})},
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=MAX_REDIRECTS,
        event_hooks={"request": [refuse_unless_allowed]},
        trust_env=False,
    )
    try:
        with client:
            for attempt in range(retries):
                try:
                    return read(client, url, max_bytes=max_bytes, timeout=timeout)
                except Transient as error:
                    logger.warning("GET %s : %s ; nouvel essai", shown(url), error)
                    time.sleep(BACKOFF_SECONDS * 2**attempt)
            return read(client, url, max_bytes=max_bytes, timeout=timeout)
    except OutboundError as error:
        logger.warning("GET %s : %s", shown(url), error)
        raise
