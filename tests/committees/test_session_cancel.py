"""A moved or cancelled session reaches everyone it convened: the updated invitation (same UID,
higher SEQUENCE) or its cancellation (METHOD:CANCEL), and an e-mail saying what changed. A
cancelled session stays readable, leaves every upcoming list and can no longer be prepared."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse

from committees.enums import AuditAction, MemberRole, SessionStatus
from committees.models import AuditEvent, CommitteeMember, Session
from committees.sessions.services import review_add, session_cancel, session_update
from committees.sessions.voting import session_open
from tests.committees.test_sessions import unfold
from tests.factories import SessionFactory, StartupFactory, UserFactory


@pytest.fixture
def convened(session, staff, intrapreneur):
    chair = UserFactory(email="chair@example.org")
    CommitteeMember.objects.create(committee=session.committee, user=chair, role=MemberRole.CHAIR)
    SessionFactory.set_state(session, convened=True)
    session.refresh_from_db()
    return session


def calendar(message) -> dict:
    name, ics, mimetype = message.attachments[0]
    props = unfold(ics)
    assert mimetype == f"text/calendar; charset=utf-8; method={props['METHOD']}"
    return props


def move(session, staff, days=1, place="Ségur, salle 5001"):
    return session_update(
        session=session,
        starts_at=session.starts_at + datetime.timedelta(days=days),
        place=place,
        video_url=session.video_url,
        by=staff,
    )


def test_moving_a_convened_session_sends_everyone_the_updated_invitation(
    convened, staff, intrapreneur, django_capture_on_commit_callbacks
):
    before = convened.place
    with django_capture_on_commit_callbacks(execute=True):
        move(convened, staff)
    assert sorted(m.to[0] for m in mail.outbox) == ["chair@example.org", intrapreneur.email]
    for message in mail.outbox:
        assert message.subject.startswith("Séance modifiée : ")
        assert f"Lieu : {before} → Ségur, salle 5001" in message.body
        assert "Date et heure : " in message.body
        props = calendar(message)
        assert props["METHOD"] == "PUBLISH" and props["SEQUENCE"] == "1"
        assert props["UID"] == f"seance-{convened.pk}@127.0.0.1"
        assert props["LOCATION"] == "Ségur\\, salle 5001"
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_MOVED).count() == 1


def test_moving_a_planned_session_tells_nobody(session, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        move(session, staff)
    session.refresh_from_db()
    assert not mail.outbox and session.sequence == 0
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_CHANGED).exists()


def test_cancelling_sends_the_cancellation_and_the_session_leaves_every_list(
    client, convened, staff, intrapreneur, startup, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("committees:session-cancel", args=[convened.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Quorum impossible à réunir en décembre"})
    assert response.status_code == 302
    convened.refresh_from_db()
    assert convened.status == SessionStatus.CANCELLED and convened.cancelled_at
    assert convened.sequence == 1
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.subject.startswith("Séance annulée : ")
        assert "Motif : Quorum impossible à réunir en décembre" in message.body
        props = calendar(message)
        assert props["METHOD"] == "CANCEL" and props["STATUS"] == "CANCELLED"
        assert props["SEQUENCE"] == "1" and props["UID"] == f"seance-{convened.pk}@127.0.0.1"
    page = client.get(reverse("committees:session", args=[convened.pk])).content.decode()
    assert "Séance annulée le" in page and "Quorum impossible" in page
    assert "Modifier la date ou le lieu" not in page and "Convoquer" not in page
    assert not Session.objects.upcoming(today=convened.date).exists()
    # Its startups are free for another session, which no longer warns of this one.
    other = SessionFactory(committee=convened.committee)
    review_add(session=other, startup=startup, by=staff)
    client.force_login(intrapreneur)
    home = client.get(reverse("home")).content.decode()
    assert reverse("committees:session", args=[other.pk]) in home
    assert reverse("committees:session", args=[convened.pk]) not in home


def test_a_cancelled_session_can_neither_be_moved_nor_opened_nor_cancelled_again(convened, staff):
    chair = convened.committee.members.get(role=MemberRole.CHAIR).user
    session_cancel(session=convened, reason="Reportée", by=staff)
    for change in (
        lambda: move(convened, staff),
        lambda: session_open(session=convened, by=chair, another_day=True),
        lambda: session_cancel(session=convened, reason="Encore", by=staff),
        lambda: review_add(session=convened, startup=StartupFactory(), by=staff),
    ):
        with pytest.raises(ValidationError):
            change()


@pytest.mark.parametrize(
    ("reason", "error"),
    [("", "Indiquez le motif de l’annulation."), ("x" * 501, "500 caractères au plus")],
)
def test_a_cancellation_needs_a_reason_and_writes_nothing_without_one(
    client, convened, staff, reason, error
):
    client.force_login(staff)
    response = client.post(
        reverse("committees:session-cancel", args=[convened.pk]), {"reason": reason}, follow=True
    )
    assert error in response.content.decode()
    convened.refresh_from_db()
    assert convened.status == SessionStatus.CONVENED and convened.sequence == 0


def test_a_notice_overtaken_by_a_later_change_sends_nothing(
    convened, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move(convened, staff)
        session_cancel(session=convened, reason="Reportée", by=staff)
    assert {m.subject.split(" :")[0] for m in mail.outbox} == {"Séance annulée"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_cancel_racing_open_has_one_winner(transactional_db, startup, staff):
    session = SessionFactory(committee__incubator=startup.incubator, convened=True)
    chair = UserFactory()
    CommitteeMember.objects.create(committee=session.committee, user=chair, role=MemberRole.CHAIR)
    barrier, errors = threading.Barrier(2), []

    def run(action):
        try:
            barrier.wait()
            action()
        except ValidationError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(
            target=run, args=(lambda: session_open(session=session, by=chair, another_day=True),)
        ),
        threading.Thread(
            target=run, args=(lambda: session_cancel(session=session, reason="x", by=staff),)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    session.refresh_from_db()
    assert len(errors) == 1
    assert session.status in {SessionStatus.OPEN, SessionStatus.CANCELLED}
    assert (session.status == SessionStatus.CANCELLED) == (session.opened_at is None)
