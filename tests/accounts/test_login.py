import re
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

# What differs between two runs of one statement: savepoints are numbered, values are the
# request's own (its address, its time).
VARYING = re.compile(r"\"s\w+\"|'[^']*'")
MAGIC_LINK = re.compile(r"http://testserver(/comptes/lien/\?sesame=\S+)")


def test_password_login_lands_on_the_home_page(client, db):
    UserFactory(email="Anne@Example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "anne@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_wrong_password_is_refused_in_french(client, db):
    UserFactory(email="anne@example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "anne@example.org", "password": "faux"}
    )
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in response.content.decode()


def test_logout_needs_a_post_and_ends_the_session(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_magic_link_logs_in_once(client, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:magic-link"), {"email": "OUTSIDER@example.org"})
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == [outsider.email] and email.alternatives
    link = MAGIC_LINK.search(email.body).group(1)
    assert client.get(link).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.logout()
    assert client.get(link).status_code == 403  # used once already


def test_magic_link_for_an_unknown_address_says_the_same_and_sends_nothing(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:magic-link"), {"email": "personne@example.org"}, follow=True
        )
    assert "Si un compte actif correspond à cette adresse" in response.content.decode()
    assert mail.outbox == []


def test_magic_link_form_errors_are_shown_next_to_the_field(client, db):
    response = client.post(reverse("accounts:magic-link"), {"email": "pas-une-adresse"})
    assert "Saisissez une adresse de courriel valide." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_magic_link_is_sent_by_a_real_worker(client, real_worker):
    """The job path end to end: view → Redis → Celery worker → e-mail → sign-in."""
    user = UserFactory(email="worker@example.org")
    client.post(reverse("accounts:magic-link"), {"email": user.email})
    deadline = time.monotonic() + 30

    def ours():
        return [f for f in real_worker.outbox.iterdir() if user.email in f.read_text()]

    while not (files := ours()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert files, "the worker sent no e-mail within 30 s"
    link = MAGIC_LINK.search(files[0].read_text()).group(1)
    client.get(link)
    assert client.get(reverse("home")).context["user"] == user


def test_a_magic_link_request_takes_the_same_path_for_a_known_and_an_unknown_address(
    client, outsider, django_capture_on_commit_callbacks
):
    """How long the answer takes must not tell whether an account has the address: the request
    makes the same queries (none on the accounts: one row in the outbox) and queues one task
    in both cases."""
    runs = {}
    for email in (outsider.email, "personne@example.org"):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks() as callbacks,
        ):
            client.post(reverse("accounts:magic-link"), {"email": email})
        runs[email] = ([VARYING.sub("", q["sql"]) for q in queries], len(callbacks))
        for callback in callbacks:
            callback()
    known, unknown = runs.values()
    assert known == unknown and known[1] == 1
    assert not any("accounts_user" in sql for sql in known[0])
    [email] = mail.outbox
    assert email.to == [outsider.email]
