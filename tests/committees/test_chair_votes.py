"""Votes entered by the chair: for a member present by phone (marked so on the attendance form),
when the committee's rules allow it, never for someone in the room, never for oneself, never in
a secret ballot; recorded as the member's vote, "saisi par la présidence", audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from committees.documents.dossiers import minutes_html
from committees.enums import AuditAction, MemberRole, Outcome, VoteMode
from committees.models import Attendance, AuditEvent, Vote, Voter
from committees.sessions.voting import (
    CHAIR_SECRET_REFUSED,
    attendance_set,
    session_open,
    vote_cast,
    vote_close,
    vote_open,
)
from tests.factories import CommitteeMemberFactory, SessionFactory

STOP = Outcome.STOP


def seat(committee, first_name, role=MemberRole.VOTER):
    return CommitteeMemberFactory(
        committee=committee, role=role, user__first_name=first_name, user__last_name="Test"
    )


@pytest.fixture
def people(session):
    committee = session.committee
    committee.chair_votes_allowed = True
    committee.save(update_fields=["chair_votes_allowed"])
    people = {
        "chair": seat(committee, "Claude", MemberRole.CHAIR),
        "alice": seat(committee, "Alice"),
        "bob": seat(committee, "Bob"),
    }
    SessionFactory.set_state(session, convened=True)
    session_open(session=session, by=people["chair"].user, another_day=True)
    return people


def attendance_url(session):
    return reverse("committees:session-live-attendance", args=[session.pk])


def vote_for_url(session, review, member):
    return reverse("committees:session-live-vote-for", args=[session.pk, review.pk, member.pk])


@pytest.fixture
def phoned(session, people):
    """The chair and Bob in the room, Alice by phone, the vote open."""
    chair = people["chair"].user
    attendance_set(session=session, member=people["chair"], present=True, by=chair)
    attendance_set(session=session, member=people["bob"], present=True, by=chair)
    attendance_set(session=session, member=people["alice"], present=True, remote=True, by=chair)
    review = session.reviews.select_related("session__committee").get()
    vote_open(review=review, by=chair)
    return review


def test_the_chair_marks_a_member_present_by_phone(client, session, people):
    chair, alice, bob = people["chair"], people["alice"], people["bob"]
    client.force_login(chair.user)
    assert (
        'name="remote"'
        in client.get(reverse("committees:session-live", args=[session.pk])).content.decode()
    )
    client.post(
        attendance_url(session), {"present": [chair.pk, alice.pk, bob.pk], "remote": [alice.pk]}
    )
    remote = dict(Attendance.objects.values_list("member", "remote"))
    assert remote == {chair.pk: False, alice.pk: True, bob.pk: False}
    event = AuditEvent.objects.filter(action=AuditAction.ATTENDANCE).get(detail__member=alice.pk)
    assert event.detail["remote"] is True
    # Back in the room; absent: never by phone.
    client.post(attendance_url(session), {"present": [chair.pk, alice.pk, bob.pk]})
    assert not Attendance.objects.get(member=alice).remote
    client.post(attendance_url(session), {"present": [chair.pk], "remote": [bob.pk]})
    assert not Attendance.objects.filter(remote=True).exists()


def test_without_the_rule_there_is_no_phone(client, session, people):
    committee = session.committee
    committee.chair_votes_allowed = False
    committee.save(update_fields=["chair_votes_allowed"])
    chair, alice = people["chair"], people["alice"]
    client.force_login(chair.user)
    assert (
        'name="remote"'
        not in client.get(reverse("committees:session-live", args=[session.pk])).content.decode()
    )
    client.post(attendance_url(session), {"present": [chair.pk, alice.pk], "remote": [alice.pk]})
    assert not Attendance.objects.filter(remote=True).exists()


def test_the_chair_enters_the_vote_of_a_member_present_by_phone(session, people, phoned):
    chair, alice = people["chair"], people["alice"]
    vote_cast(review=phoned, member=alice, by=chair, choice=STOP)
    vote = Vote.objects.get()
    assert (vote.member, vote.mode, vote.cast_by, vote.choice) == (
        alice,
        VoteMode.CHAIR,
        chair,
        STOP,
    )
    event = AuditEvent.objects.get(action=AuditAction.VOTE_CAST)
    assert event.actor == chair.user
    assert (event.detail["member"], event.detail["mode"]) == (alice.pk, VoteMode.CHAIR)
    assert event.detail["name"] == "Alice Test"
    with pytest.raises(ValidationError, match="déjà enregistré"):
        vote_cast(review=phoned, member=alice, by=chair, choice="refinance")
    vote_close(review=phoned, by=chair.user)
    phoned.refresh_from_db()
    assert phoned.tally["counts"]["stop"] == 1 and phoned.tally["abstentions"] == 2


def test_never_for_someone_in_the_room_nor_for_oneself_nor_by_a_voter(session, people, phoned):
    chair, alice, bob = people["chair"], people["alice"], people["bob"]
    with pytest.raises(PermissionDenied):
        vote_cast(review=phoned, member=bob, by=chair, choice=STOP)  # in the room
    with pytest.raises(PermissionDenied):
        vote_cast(review=phoned, member=chair, by=chair, choice=STOP)
    with pytest.raises(PermissionDenied):
        vote_cast(review=phoned, member=alice, by=bob, choice=STOP)  # only the chair
    assert not Vote.objects.exists()


def test_not_when_the_rules_say_no_nor_after_the_close(session, people, phoned):
    chair, alice = people["chair"], people["alice"]
    committee = session.committee
    committee.chair_votes_allowed = False
    committee.save(update_fields=["chair_votes_allowed"])
    with pytest.raises(PermissionDenied):
        vote_cast(review=phoned, member=alice, by=chair, choice=STOP)
    committee.chair_votes_allowed = True
    committee.save(update_fields=["chair_votes_allowed"])
    vote_close(review=phoned, by=chair.user)
    with pytest.raises(ValidationError, match="n’est pas ouvert"):
        vote_cast(review=phoned, member=alice, by=chair, choice=STOP)
    assert not Vote.objects.exists()


def test_never_in_a_secret_ballot(client, session, people):
    chair, alice = people["chair"], people["alice"]
    committee = session.committee
    committee.secret_ballot = True
    committee.save(update_fields=["secret_ballot"])
    for member in (chair, people["bob"]):
        attendance_set(session=session, member=member, present=True, by=chair.user)
    attendance_set(session=session, member=alice, present=True, remote=True, by=chair.user)
    review = session.reviews.select_related("session__committee").get()
    vote_open(review=review, by=chair.user)
    with pytest.raises(ValidationError) as refused:
        vote_cast(review=review, member=alice, by=chair, choice=STOP)
    assert refused.value.messages == [CHAIR_SECRET_REFUSED]
    client.force_login(chair.user)
    live = client.get(reverse("committees:session-live", args=[session.pk])).content.decode()
    assert "Saisir le vote de" not in live
    assert not Voter.objects.exists()
    vote_cast(review=review, member=alice, choice=STOP)  # she votes herself, from the page
    assert Voter.objects.get().mode == VoteMode.SELF


def test_on_the_live_page_and_in_the_minutes(client, session, people, phoned):
    chair, alice, bob = people["chair"], people["alice"], people["bob"]
    client.force_login(bob.user)
    live = reverse("committees:session-live", args=[session.pk])
    assert "Saisir le vote de" not in client.get(live).content.decode()
    response = client.post(
        vote_for_url(session, phoned, alice), {f"pour-{alice.pk}-choice": "stop"}
    )
    assert response.status_code == 302 and not Vote.objects.exists()  # refused, with a message
    client.force_login(chair.user)
    assert "Saisir le vote de Alice Test" in client.get(live).content.decode()
    response = client.post(
        vote_for_url(session, phoned, alice),
        {f"pour-{alice.pk}-choice": "stop"},
        headers={"HX-Request": "true"},
    )
    assert "Vote de Alice Test saisi par la présidence." in response.content.decode()
    content = client.get(live).content.decode()
    assert "Alice Test, saisi par la présidence" in content
    assert "Saisir le vote de Alice Test" not in content
    vote_close(review=phoned, by=chair.user)
    minutes = client.get(reverse("committees:session-minutes", args=[session.pk])).content.decode()
    for page in (" ".join(minutes.split()), " ".join(minutes_html(session).split())):
        assert "alice test, saisi par la présidence : arrêter" in page.lower()
