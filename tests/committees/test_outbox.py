"""E-mails go through the outbox (accounts/outbox.py): with the broker away, convening a
session still succeeds and says "envoi en attente", and the e-mails leave once the broker is
back, each once (closing: tests/committees/test_decisions.py)."""

import datetime
import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import OutboxMessage
from accounts.outbox import RELAY_AGAIN_AFTER, message_deliver, outbox_relay
from committees.enums import MemberRole, SessionStatus
from committees.models import CommitteeMember
from tests.factories import UserFactory

WAITING = "Envoi en attente"


@pytest.fixture
def agenda(session, sponsor, intrapreneur):
    CommitteeMember.objects.create(committee=session.committee, user=sponsor, role=MemberRole.CHAIR)
    return session


def convene(client, session):
    """Convene on the page; the page it leads to. (The tests that call it commit, as requests do
    in production: the message shown depends on what happened once the change committed.)"""
    url = reverse("committees:session-convene", args=[session.pk])
    response = client.post(url, {"confirmer": "oui"})
    assert response.status_code == 302
    return client.get(response.url)


@pytest.mark.django_db(transaction=True)
def test_convening_with_the_broker_away_succeeds_and_sends_once_it_is_back(
    client, agenda, staff, broker, mailoutbox
):
    client.force_login(staff)
    broker.down()
    page = convene(client, agenda)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Séance convoquée : les membres" in html and WAITING in html
    assert "les courriels de cette séance partiront" in html  # the notice, until they leave
    agenda.refresh_from_db()
    assert agenda.status == SessionStatus.CONVENED
    [message] = OutboxMessage.objects.all()
    assert (message.task, message.relayed_at, message.done_at) == (
        "committees.tasks.send_convocation",
        None,
        None,
    )
    assert outbox_relay() == 0  # the beat, while the broker is still away
    assert mailoutbox == []

    broker.back()
    assert outbox_relay() == 1
    assert sorted(address for m in mailoutbox for address in m.to) == sorted(
        ["sponsor@example.org", "intra@example.org"]
    )
    message.refresh_from_db()
    assert message.done_at and message.relays == 1
    # Relayed again, or delivered twice: nothing more is sent.
    assert outbox_relay() == 0
    assert message_deliver(message.pk) is False
    assert len(mailoutbox) == 2
    page = client.get(reverse("committees:session", args=[agenda.pk]))
    assert "les courriels de cette séance partiront" not in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_there_the_person_is_told_it_is_sent(client, agenda, staff, mailoutbox):
    client.force_login(staff)
    html = convene(client, agenda).content.decode()
    assert "Séance convoquée : les membres" in html and WAITING not in html
    assert len(mailoutbox) == 2
    assert OutboxMessage.objects.get().done_at


def test_a_mail_server_that_refuses_keeps_the_message_and_its_error_until_relayed_again(
    agenda, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from committees.sessions.services import session_convene

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    with django_capture_on_commit_callbacks():  # relayed: a worker takes it
        session_convene(session=agenda, by=UserFactory(staff_of=agenda.committee.incubator))
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.update(relayed_at=timezone.now(), relays=1)
    with pytest.raises(ConnectionRefusedError):  # the task retries it a few times
        message_deliver(message.pk)
    message.refresh_from_db()
    assert message.done_at is None and "ConnectionRefusedError" in message.error
    assert outbox_relay() == 0  # relayed a moment ago: its worker may still be at it

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    later = timezone.now() + RELAY_AGAIN_AFTER + datetime.timedelta(seconds=1)
    assert outbox_relay(now=later) == 1
    message.refresh_from_db()
    assert message.done_at and message.error == "" and message.relays == 2
    assert len(mailoutbox) == 2


@pytest.mark.django_db(transaction=True)
def test_the_relay_hands_waiting_emails_to_a_real_worker_once(
    real_worker, broker, session, sponsor, intrapreneur, staff
):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("a worker process cannot read SQLite's in-memory test database")
    from committees.sessions.services import session_convene

    CommitteeMember.objects.create(committee=session.committee, user=sponsor, role=MemberRole.CHAIR)
    before = set(real_worker.outbox.iterdir())
    broker.down()
    session_convene(session=session, by=staff)
    assert OutboxMessage.objects.get().relayed_at is None

    broker.point(real_worker.env["REDIS_URL"], eager=False)
    assert outbox_relay() == 1
    deadline = time.monotonic() + 30
    while not OutboxMessage.objects.filter(done_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker did not deliver the message"
        time.sleep(0.1)
    assert outbox_relay() == 0
    new = set(real_worker.outbox.iterdir()) - before
    texts = [path.read_text() for path in new]
    for path in new:
        path.unlink()
    recipients = sorted(
        line for text in texts for line in text.splitlines() if line.startswith("To: ")
    )
    assert recipients == ["To: intra@example.org", "To: sponsor@example.org"]
