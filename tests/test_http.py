"""The one outbound HTTP client (comite/http.py), against a real HTTP server on 127.0.0.1."""

import logging
import socket

import httpx
import pytest

from comite import http
from tests.local_server import LocalServer


@pytest.fixture
def server(settings, monkeypatch):
    monkeypatch.setattr(http, "BACKOFF_SECONDS", 0)
    settings.OUTBOUND_ALLOWED_HOSTS = ["beta.gouv.fr", "127.0.0.1"]
    with LocalServer() as server:
        yield server


@pytest.fixture
def listener():
    """A port that accepts TCP connections and never answers: what connected to it stays in
    its backlog, for `accept()` to find."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setblocking(False)
    yield sock
    sock.close()


def test_the_body_of_a_200_with_a_user_agent_naming_comite(server):
    server.route("/a.json", b'{"ok": true}')
    assert http.get(server.url("/a.json")) == b'{"ok": true}'
    [(_, headers)] = server.requests
    assert headers["User-Agent"].startswith("Comite/")


def test_a_5xx_is_tried_again_and_its_answer_used(server):
    server.route("/a.json", b"enfin", statuses=[500, 503, 200])
    assert http.get(server.url("/a.json")) == b"enfin"
    assert len(server.requests) == 3


def test_a_5xx_each_time_fails_after_the_retries(server):
    server.route("/a.json", statuses=[502])
    with pytest.raises(http.OutboundError, match=r"^Réponse HTTP 502 de http://127\.0\.0\.1"):
        http.get(server.url("/a.json"), retries=1)
    assert len(server.requests) == 2


def test_a_4xx_is_not_tried_again(server):
    with pytest.raises(http.OutboundError, match="Réponse HTTP 404 de"):
        http.get(server.url("/absent.json"))
    assert len(server.requests) == 1


def test_a_refused_connection_is_tried_again_then_fails(server, listener):
    port = listener.getsockname()[1]
    listener.close()
    with pytest.raises(
        http.OutboundError, match=f"Connexion impossible à http://127.0.0.1:{port}/"
    ):
        http.get(f"http://127.0.0.1:{port}/a.json")


@pytest.mark.parametrize("length", [True, False], ids=["announced", "streamed"])
def test_an_answer_larger_than_the_limit_is_refused(server, length):
    server.route("/big.json", b"x" * (http.MB // 2 + 1), length=length)
    with pytest.raises(http.OutboundError, match=r"Réponse trop volumineuse \(plus de 0,5 Mo\)"):
        http.get(server.url("/big.json"), max_bytes=http.MB // 2)


def test_a_slow_answer_times_out_without_retry(server):
    server.route("/slow.json", b"{}", delay=1)
    with pytest.raises(
        http.OutboundError, match=r"^Délai dépassé en lisant .*/slow\.json \(0,2 s\)"
    ):
        http.get(server.url("/slow.json"), timeout=0.2)
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("allowed", "reason"),
    [
        (["beta.gouv.fr"], "Hôte non autorisé : 127.0.0.1"),
        # Allowed through a wildcard, it resolves to a loopback address: refused all the same.
        (["*.0.0.1"], r"Hôte non autorisé : 127.0.0.1 \(adresse privée 127.0.0.1\)"),
    ],
)
def test_a_host_not_allowed_is_refused_before_any_connection(settings, listener, allowed, reason):
    settings.OUTBOUND_ALLOWED_HOSTS = allowed
    with pytest.raises(http.OutboundError, match=reason):
        http.get(f"http://127.0.0.1:{listener.getsockname()[1]}/a.json")
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing ever connected


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "https://evilmetabaseapp.com/",
        "https://metabaseapp.com.example.org/",
        "file:///etc/passwd",
    ],
)
def test_hosts_outside_the_list_are_refused(settings, url):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1", "*.metabaseapp.com"]
    with pytest.raises(http.OutboundError, match="non autorisé"):
        http.refuse_unless_allowed(httpx.Request("GET", url))


def test_a_redirect_is_followed_only_to_an_allowed_host(server):
    server.route("/moved", statuses=[302], headers={"Location": server.url("/a.json")})
    server.route("/a.json", b"ici")
    assert http.get(server.url("/moved")) == b"ici"
    server.route("/away", statuses=[302], headers={"Location": "http://10.0.0.1/a.json"})
    with pytest.raises(http.OutboundError, match="Hôte non autorisé : 10.0.0.1"):
        http.get(server.url("/away"))


def test_the_logs_show_neither_query_strings_nor_headers(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.route("/a.json", b"{}")
    http.get(
        server.url("/a.json?token=secret-du-jeton"), headers={"Authorization": "Bearer em1_secret"}
    )
    server.route("/b.json", statuses=[500])
    with pytest.raises(http.OutboundError) as failed:
        http.get(server.url("/b.json?token=secret-du-jeton"), retries=0)
    assert "secret" not in caplog.text and "secret" not in str(failed.value)
    assert f"GET {server.url('/a.json')} : 200" in caplog.text
    [(path, headers)] = server.requests[:1]
    assert (
        path == "/a.json?token=secret-du-jeton" and headers["Authorization"] == "Bearer em1_secret"
    )
