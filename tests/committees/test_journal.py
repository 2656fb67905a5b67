"""The session journal in sentences: every audit action has one, never raw data; and ticking
attendance records only the members whose presence changed."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from committees.enums import AuditAction, MemberRole
from committees.journal import SENTENCES, sentence
from committees.models import AuditEvent
from committees.sessions.voting import attendance_set
from startups.templatetags.portfolio import euros
from tests.factories import CommitteeMemberFactory, SessionFactory

RAW = ("{", "}", "True", "False", "None", "[")

DETAILS = {
    AuditAction.ATTENDANCE: {"member": 3, "name": "Marie Dupont", "present": True, "remote": True},
    AuditAction.VOTE_OPENED: {"present": 4, "secret_ballot": False, "majority": "simple"},
    AuditAction.VOTE_CLOSED: {
        "counts": {"refinance": 3, "adjust": 1, "stop": 0},
        "abstentions": 0,
        "outcome": "refinance",
    },
    AuditAction.DECISION_RECORDED: {
        "decision": 1,
        "outcome": "refinance",
        "amount": "180000.00",
        "months": 6,
        "majority": "refinance",
    },
    AuditAction.CONFLICT: {"member": 2, "member_name": "Sacha Martin", "reason": "Ancien associé"},
    AuditAction.AGENDA_MOVED: {"startup": "alpha", "before": 0, "after": 2},
    AuditAction.SESSION_COPIED: {"source": 4, "startups": ["alpha", "beta"]},
    AuditAction.ORDER_CHANGED: {"funding_round": 3, "changes": {"status": ["a", "b"]}},
}


def event(action, detail):
    return SimpleNamespace(action=action, detail=detail, review_id=None, review=None)


@pytest.mark.parametrize("action", AuditAction.values)
def test_every_action_has_a_sentence_without_raw_data(action):
    detail = DETAILS.get(action, {"present": True, "counts": {"refinance": 0}, "x": False})
    for given in (detail, {}, None):
        text = sentence(event(action, given))
        assert text and text[0].isupper()
        assert not any(raw in text for raw in RAW), (action, text)


def test_an_unknown_action_or_detail_falls_back_to_a_label():
    assert sentence(event("gone", {"a": {"b": 1}})) == "Action enregistrée"
    assert sentence(event(AuditAction.VOTE_CLOSED, "not a dict")).startswith("Vote clos")


def test_sentences_read_as_french():
    assert SENTENCES  # the sentences that need the detail
    closed = sentence(event(AuditAction.VOTE_CLOSED, DETAILS[AuditAction.VOTE_CLOSED]))
    assert closed == "Vote clos : 3 refinancer, 1 ajuster, 0 arrêter ; majorité pour refinancer"
    recorded = sentence(
        event(AuditAction.DECISION_RECORDED, DETAILS[AuditAction.DECISION_RECORDED])
    )
    assert recorded == f"Décision enregistrée : refinancer, {euros(Decimal(180000))} sur 6 mois"
    assert "180" in recorded and "€" in recorded
    presence = sentence(event(AuditAction.ATTENDANCE, DETAILS[AuditAction.ATTENDANCE]))
    assert presence == "Marie Dupont : présence par téléphone"
    absent = sentence(event(AuditAction.ATTENDANCE, {"name": "Marie Dupont", "present": False}))
    assert absent == "Marie Dupont : absence"


@pytest.fixture
def sitting(startup):
    session = SessionFactory()
    SessionFactory.set_state(session, convened=True)
    chair = CommitteeMemberFactory(committee=session.committee, role=MemberRole.CHAIR).user
    members = [CommitteeMemberFactory(committee=session.committee) for _ in range(6)]
    return session, chair, members


def test_four_ticks_write_four_rows(client, sitting):
    session, chair, members = sitting
    client.force_login(chair)
    chosen = members[:4]
    url = reverse("committees:session-live-attendance", args=[session.pk])
    before = AuditEvent.objects.filter(action=AuditAction.ATTENDANCE).count()
    client.post(url, {"present": [str(member.pk) for member in chosen]})
    rows = AuditEvent.objects.filter(action=AuditAction.ATTENDANCE).count() - before
    assert rows == 4
    # The same form sent again changes nothing and records nothing.
    client.post(url, {"present": [str(member.pk) for member in chosen]})
    assert AuditEvent.objects.filter(action=AuditAction.ATTENDANCE).count() - before == 4


def test_unticking_records_one_row(client, sitting):
    session, chair, members = sitting
    for member in members[:2]:
        attendance_set(session=session, member=member, present=True, by=chair)
    client.force_login(chair)
    before = AuditEvent.objects.count()
    url = reverse("committees:session-live-attendance", args=[session.pk])
    client.post(url, {"present": [str(members[0].pk)]})
    assert AuditEvent.objects.count() - before == 1
