import pytest
from django.core import mail
from django.urls import reverse

from accounts.ratelimit import client_ip
from tests.factories import PASSWORD, UserFactory

TOO_MANY = "Trop de tentatives de connexion"


def login(client, email, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def ask_link(client, email, ip="10.0.0.1"):
    return client.post(reverse("accounts:magic-link"), {"email": email}, REMOTE_ADDR=ip)


@pytest.fixture
def anne(db):
    return UserFactory(email="anne@example.org")


def test_ten_wrong_passwords_lock_the_address_even_with_the_right_password(client, anne):
    for _ in range(10):
        assert login(client, anne.email, "faux").status_code == 200
    response = login(client, anne.email, PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    # From another IP too: the address itself is locked.
    assert login(client, "ANNE@example.org", PASSWORD, ip="10.9.9.9").status_code == 429
    assert "_auth_user_id" not in client.session


def test_ten_wrong_passwords_from_one_ip_lock_that_ip_for_every_address(client, anne):
    for number in range(10):
        login(client, f"personne{number}@example.org", "faux")
    assert login(client, anne.email, PASSWORD).status_code == 429
    assert login(client, anne.email, PASSWORD, ip="10.0.0.2").status_code == 302


def test_successful_sign_ins_are_not_counted(client, anne):
    for _ in range(12):
        assert login(client, anne.email, PASSWORD).status_code == 302
        client.logout()


def test_magic_links_are_limited_per_address_and_send_nothing_past_the_limit(
    client, anne, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(10):
            assert ask_link(client, anne.email, ip=f"10.0.1.{number}").status_code == 302
        response = ask_link(client, anne.email, ip="10.0.2.1")
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert len(mail.outbox) == 10


def test_magic_links_are_limited_per_ip(client, db):
    for number in range(10):
        assert ask_link(client, f"personne{number}@example.org").status_code == 302
    assert ask_link(client, "autre@example.org").status_code == 429
    assert ask_link(client, "autre@example.org", ip="10.0.0.2").status_code == 302


@pytest.mark.parametrize(("behind_proxy", "expected"), [(False, "10.0.0.1"), (True, "203.0.113.7")])
def test_the_client_ip_is_the_proxy_s_last_forwarded_address_only_behind_a_proxy(
    rf, settings, behind_proxy, expected
):
    settings.BEHIND_PROXY = behind_proxy
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert client_ip(request) == expected


def test_with_redis_down_sign_in_works_and_the_limit_still_applies(client, anne, settings, caplog):
    """The shared cache points to a Redis that refuses connections: the counters go to the web
    process's memory instead of answering 500."""
    settings.CACHES = settings.CACHES | {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert login(client, anne.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(10):
        assert login(client, anne.email, "faux").status_code == 200
    assert login(client, anne.email, PASSWORD).status_code == 429
    assert "le cache ne répond pas" in caplog.text
