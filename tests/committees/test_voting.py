"""The session live: attendance, quorum, votes opened and closed by the chair, cast once by the
eligible members, the tally; the live page and its polled fragment per persona."""

import importlib
import re
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from committees.documents.dossiers import minutes_html
from committees.enums import AuditAction, Majority, MemberRole, Outcome, ReviewStatus
from committees.models import AuditEvent, Ballot, Conflict, Review, Vote, Voter
from committees.sessions.decisions import Terms, decision_record
from committees.sessions.voting import (
    ALREADY_VOTED,
    attendance_set,
    eligible_voters,
    majority_outcome,
    quorum,
    session_open,
    tally,
    vote_cast,
    vote_close,
    vote_open,
)
from tests.factories import CommitteeMemberFactory, SessionFactory, StartupFactory
from tests.utils import TODAY, assert_queries, frozen_at, get_page, loaded

REFINANCE, ADJUST, STOP = Outcome.REFINANCE, Outcome.ADJUST, Outcome.STOP


@pytest.fixture
def chair(session):
    return CommitteeMemberFactory(
        committee=session.committee, role=MemberRole.CHAIR, user__first_name="Claude"
    ).user


@pytest.fixture
def seat(session, sponsor):
    """The sponsor persona sits on the committee as a voting member."""
    return CommitteeMemberFactory(committee=session.committee, user=sponsor)


@pytest.fixture
def live(session, chair, seat):
    """A session open, the chair and two voters present (quorum 2), the first item pending."""
    SessionFactory.set_state(session, convened=True)
    session_open(session=session, by=chair, another_day=True)
    other = CommitteeMemberFactory(committee=session.committee, user__first_name="Sacha")
    members = [session.committee.members.get(user=chair), seat, other]
    for member in members:
        attendance_set(session=session, member=member, present=True, by=chair)
    review = session.reviews.select_related("session__committee").get()
    return {"session": session, "review": review, "chair": chair, "members": members}


@pytest.fixture
def voting(live):
    vote_open(review=live["review"], by=live["chair"])
    return live


def url(name, session, review=None):
    return reverse(f"committees:{name}", args=[session.pk] + ([review.pk] if review else []))


# State machine and rules


def test_only_a_convened_session_opens_and_only_by_its_chair(session, chair, sponsor):
    with pytest.raises(ValidationError):
        session_open(session=session, by=chair)  # planned
    SessionFactory.set_state(session, convened=True)
    with pytest.raises(PermissionDenied):
        session_open(session=session, by=sponsor)
    session_open(session=session, by=chair, another_day=True)
    session.refresh_from_db()
    assert session.status == "open" and session.opened_at
    with pytest.raises(ValidationError):
        session_open(session=session, by=chair, another_day=True)


def test_opening_on_another_day_than_planned_is_confirmed_and_the_minutes_say_so(
    session, chair, client
):
    SessionFactory.set_state(session, convened=True)
    client.force_login(chair)
    live_page = url("session-live", session)
    assert (
        "J’ouvre la séance aujourd’hui alors qu’elle est prévue le"
        in client.get(live_page).content.decode()
    )
    response = client.post(url("session-live-open", session), follow=True)
    assert "cochez la case pour confirmer" in response.content.decode()
    session.refresh_from_db()
    assert session.status == "convened"

    client.post(url("session-live-open", session), {"another_day": "1"})
    session.refresh_from_db()
    assert (session.status, session.held_on) == ("open", TODAY)
    minutes = client.get(reverse("committees:session-minutes", args=[session.pk]))
    assert f"Séance tenue le {date_format(TODAY, 'l j F Y')}" in minutes.content.decode()
    assert f"Séance tenue le {date_format(TODAY, 'l j F Y')}" in minutes_html(session)


def test_on_its_day_a_session_opens_without_confirmation(session, chair):
    SessionFactory.set_state(session, convened=True)
    with time_machine.travel(frozen_at(session.date)):
        session_open(session=session, by=chair)
    session.refresh_from_db()
    assert (session.status, session.held_on) == ("open", None)


def test_attendance_needs_a_convened_or_open_session(session, chair, seat):
    with pytest.raises(ValidationError):
        attendance_set(session=session, member=seat, present=True, by=chair)
    SessionFactory.set_state(session, convened=True)
    attendance_set(session=session, member=seat, present=True, by=chair)
    assert quorum(session).present == 1
    assert AuditEvent.objects.filter(action=AuditAction.ATTENDANCE).count() == 1


def test_the_vote_opens_only_with_quorum_then_closes(live):
    review, chair = live["review"], live["chair"]
    attendance_set(session=live["session"], member=live["members"][2], present=False, by=chair)
    attendance_set(session=live["session"], member=live["members"][1], present=False, by=chair)
    with pytest.raises(ValidationError, match="Quorum non atteint"):
        vote_open(review=review, by=chair)
    attendance_set(session=live["session"], member=live["members"][1], present=True, by=chair)
    vote_open(review=review, by=chair)
    assert Review.objects.get().status == ReviewStatus.VOTING
    with pytest.raises(ValidationError):
        vote_open(review=review, by=chair)
    vote_close(review=review, by=chair)
    review.refresh_from_db()
    assert review.status == ReviewStatus.VOTED and review.vote_closed_at
    with pytest.raises(ValidationError):
        vote_close(review=review, by=chair)


def test_only_one_item_is_voted_on_at_a_time(voting):
    second = Review.objects.create(session=voting["session"], startup=StartupFactory())
    with pytest.raises(ValidationError, match="Un autre vote"):
        vote_open(review=second, by=voting["chair"])


def test_only_the_chair_opens_and_closes(live, sponsor):
    with pytest.raises(PermissionDenied):
        vote_open(review=live["review"], by=sponsor)
    vote_open(review=live["review"], by=live["chair"])
    with pytest.raises(PermissionDenied):
        vote_close(review=live["review"], by=sponsor)


def test_recused_members_neither_vote_nor_count(voting, seat):
    review = voting["review"]
    Conflict.objects.create(review=review, member=seat, reason="Son administration porte")
    assert seat not in eligible_voters(review)
    assert quorum(voting["session"], review).present == 2
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=seat, choice=REFINANCE)
    vote_close(review=review, by=voting["chair"])
    assert tally(review).eligible == 2


def test_an_item_says_when_recusals_break_its_quorum_and_the_recused_are_told(
    client, live, seat, sponsor
):
    session, review = live["session"], live["review"]
    session.committee.quorum = 3
    session.committee.save(update_fields=["quorum"])
    client.force_login(sponsor)
    board = client.get(url("session-live-board", session)).text
    assert "Quorum non atteint sur ce passage" not in board  # three voters present
    Conflict.objects.create(review=review, member=seat, reason="Son administration porte")
    board = " ".join(client.get(url("session-live-board", session)).text.split())
    assert (
        "Quorum non atteint sur ce passage</strong> : 2 membres votants sans déport sur 3" in board
    )
    assert "Vous êtes déporté·e sur ce passage" in board
    client.force_login(live["chair"])
    board = client.get(url("session-live-board", session)).text
    assert "Quorum non atteint sur ce passage" in board
    assert "Vous êtes déporté·e" not in board


def test_absent_and_non_voting_members_do_not_vote(voting):
    observer = CommitteeMemberFactory(committee=voting["session"].committee, role="observer")
    attendance_set(session=voting["session"], member=observer, present=True, by=voting["chair"])
    with pytest.raises(PermissionDenied):
        vote_cast(review=voting["review"], member=observer, choice=REFINANCE)
    attendance_set(
        session=voting["session"], member=voting["members"][2], present=False, by=voting["chair"]
    )
    with pytest.raises(PermissionDenied):
        vote_cast(review=voting["review"], member=voting["members"][2], choice=STOP)


def test_a_vote_is_cast_once_and_never_changed(voting, seat):
    review = voting["review"]
    vote_cast(review=review, member=seat, choice=REFINANCE, amount=Decimal(100), months=6)
    with pytest.raises(ValidationError, match=ALREADY_VOTED):
        vote_cast(review=review, member=seat, choice=STOP)
    vote = Vote.objects.get()
    assert (vote.choice, vote.amount, vote.months) == (REFINANCE, Decimal(100), 6)


def test_no_vote_before_opening_nor_after_closing(live, seat):
    with pytest.raises(ValidationError, match="pas ouvert"):
        vote_cast(review=live["review"], member=seat, choice=REFINANCE)
    vote_open(review=live["review"], by=live["chair"])
    vote_close(review=live["review"], by=live["chair"])
    with pytest.raises(ValidationError, match="pas ouvert"):
        vote_cast(review=live["review"], member=seat, choice=REFINANCE)
    assert not Vote.objects.exists()


def fix_secret_ballot(review, secret: bool) -> None:
    """The rule fixed on an item whose vote the fixture opened, as `vote_open` fixes it."""
    review.secret_ballot = secret
    review.save(update_fields=["secret_ballot"])


@pytest.mark.parametrize("secret", [False, True])
def test_the_audit_keeps_the_choice_only_for_named_ballots(voting, seat, secret):
    fix_secret_ballot(voting["review"], secret)
    vote_cast(review=voting["review"], member=seat, choice=ADJUST)
    event = AuditEvent.objects.get(action=AuditAction.VOTE_CAST)
    assert ("choice" in event.detail) is not secret


@pytest.mark.parametrize(
    "majority, counts, abstentions, expected",
    [
        (Majority.SIMPLE, {REFINANCE: 2, STOP: 1}, 0, REFINANCE),
        (Majority.SIMPLE, {REFINANCE: 1, STOP: 1}, 0, None),
        (Majority.SIMPLE, {REFINANCE: 2, ADJUST: 1, STOP: 1}, 0, None),
        (Majority.SIMPLE, {REFINANCE: 3, ADJUST: 1, STOP: 1}, 5, REFINANCE),
        (Majority.SIMPLE, {}, 3, None),
        (Majority.TWO_THIRDS, {REFINANCE: 2, STOP: 1}, 0, REFINANCE),
        (Majority.TWO_THIRDS, {REFINANCE: 3, STOP: 2}, 0, None),
        (Majority.TWO_THIRDS, {ADJUST: 4, STOP: 2}, 1, ADJUST),
        (Majority.UNANIMITY, {STOP: 3}, 0, STOP),
        (Majority.UNANIMITY, {STOP: 3}, 1, None),
        (Majority.UNANIMITY, {STOP: 3, ADJUST: 1}, 0, None),
    ],
)
def test_majority_rules(majority, counts, abstentions, expected):
    assert majority_outcome(majority, counts, abstentions) == expected


@pytest.mark.parametrize("required, present, reached", [(1, 1, True), (2, 1, False), (3, 3, True)])
def test_quorum_rule(session, chair, required, present, reached):
    session.committee.quorum = required
    session.committee.save()
    SessionFactory.set_state(session, convened=True)
    for _ in range(present):
        member = CommitteeMemberFactory(committee=session.committee)
        attendance_set(session=session, member=member, present=True, by=chair)
    assert quorum(session).reached is reached


def test_the_tally_counts_abstentions_and_the_majority_medians(voting):
    review = voting["review"]
    chair_seat, seat, other = voting["members"]
    extra = CommitteeMemberFactory(committee=voting["session"].committee)
    attendance_set(session=voting["session"], member=extra, present=True, by=voting["chair"])
    vote_cast(review=review, member=chair_seat, choice=REFINANCE, amount=Decimal(100), months=6)
    vote_cast(review=review, member=seat, choice=REFINANCE, amount=Decimal(300), months=3)
    vote_cast(review=review, member=other, choice=REFINANCE, amount=Decimal(200))
    vote_close(review=review, by=voting["chair"])
    result = tally(review)
    assert result.counts == {REFINANCE: 3, ADJUST: 0, STOP: 0}
    assert (result.eligible, result.abstentions, result.outcome) == (4, 1, REFINANCE)
    assert (result.median_amount, result.median_months) == (Decimal(200), 3)


# Pages, per persona


def persona(name, request):
    return request.getfixturevalue(name)


@pytest.mark.parametrize(
    "name, status",
    [
        ("chair", 200),
        ("sponsor", 200),
        ("staff", 200),
        ("intrapreneur", 200),
        ("outsider", 403),
    ],
)
def test_who_reads_the_live_page(client, request, voting, name, status):
    client.force_login(persona(name, request))
    assert client.get(url("session-live", voting["session"])).status_code == status


def test_the_voter_sees_the_form_then_their_vote_recorded(client, voting, sponsor):
    client.force_login(sponsor)
    page = client.get(url("session-live", voting["session"])).content.decode()
    assert "Votre vote" in page and "Refinancer" in page
    post = url("session-live-vote", voting["session"], voting["review"])
    response = client.post(post, {"choice": "refinance", "amount": "1000", "months": "6"})
    assert response.status_code == 302
    page = client.get(url("session-live", voting["session"])).content.decode()
    assert "Votre vote est enregistré" in page and 'name="choice"' not in page


def test_a_second_click_or_a_second_tab_changes_nothing(client, voting, sponsor):
    client.force_login(sponsor)
    post = url("session-live-vote", voting["session"], voting["review"])
    client.post(post, {"choice": "refinance"}, headers={"HX-Request": "true"})
    response = client.post(post, {"choice": "stop"}, headers={"HX-Request": "true"})
    assert ALREADY_VOTED in response.content.decode()
    assert list(Vote.objects.values_list("choice", flat=True)) == ["refinance"]


@pytest.mark.parametrize("name", ["staff", "intrapreneur", "outsider"])
def test_non_voters_cannot_vote(client, request, voting, name):
    client.force_login(persona(name, request))
    post = url("session-live-vote", voting["session"], voting["review"])
    assert client.post(post, {"choice": "refinance"}).status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.parametrize("name", ["sponsor", "staff", "intrapreneur"])
def test_only_the_chair_opens_votes_from_the_page(client, request, live, name):
    client.force_login(persona(name, request))
    response = client.post(url("session-live-vote-open", live["session"], live["review"]))
    assert response.status_code == 403
    assert Review.objects.get().status == ReviewStatus.PENDING


def test_the_chair_runs_the_item_without_javascript(client, live):
    client.force_login(live["chair"])
    session, review = live["session"], live["review"]
    response = client.post(url("session-live-vote-open", session, review), follow=True)
    assert "Clore le vote" in response.content.decode()
    response = client.post(url("session-live-vote-close", session, review), follow=True)
    assert "Résultat : Pas de majorité" in response.content.decode()


def test_the_chair_marks_attendance(client, session, chair, seat):
    SessionFactory.set_state(session, convened=True)
    client.force_login(chair)
    client.post(url("session-live-attendance", session), {"present": [seat.pk]})
    assert quorum(session).present == 1
    client.post(url("session-live-attendance", session), {})
    assert quorum(session).present == 0


@pytest.mark.parametrize("name, sees_names", [("staff", True), ("intrapreneur", False)])
def test_teams_see_neither_votes_nor_names_before_the_tally(
    client, request, voting, seat, name, sees_names
):
    vote_cast(review=voting["review"], member=seat, choice=STOP)
    client.force_login(persona(name, request))
    page = client.get(url("session-live-board", voting["session"])).content.decode()
    assert (seat.user.first_name in page) is sees_names
    assert "1 vote" in page if sees_names else "Vote en cours" in page


@pytest.mark.parametrize("secret", [False, True])
def test_a_secret_ballot_shows_only_the_counts(client, voting, seat, staff, secret):
    fix_secret_ballot(voting["review"], secret)
    vote_cast(review=voting["review"], member=seat, choice=STOP)
    vote_close(review=voting["review"], by=voting["chair"])
    client.force_login(staff)
    page = client.get(url("session-live", voting["session"])).content.decode()
    assert "Décompte du vote" in page
    assert (f"{seat.user.first_name}" in page and "Arrêter</li>" in page) is not secret


def test_polling_stops_once_the_session_is_closed(client, voting, staff):
    client.force_login(staff)
    assert client.get(url("session-live-board", voting["session"])).status_code == 200
    SessionFactory.set_state(voting["session"], closed=True)
    response = client.get(url("session-live-board", voting["session"]))
    assert response.status_code == 286
    assert b"every 2s" not in response.content


def normalised(html: str) -> str:
    """Whitespace collapsed, CSRF tokens (masked afresh on each response) left out."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)
    return re.sub(r"\s+", " ", html).strip()


def test_the_polled_fragment_equals_the_board_of_a_fresh_page(client, voting, seat, sponsor):
    vote_cast(review=voting["review"], member=seat, choice=STOP)
    client.force_login(sponsor)
    fragment = client.get(url("session-live-board", voting["session"])).content.decode().strip()
    page = client.get(url("session-live", voting["session"])).content.decode()
    assert fragment in page


def test_an_htmx_action_swaps_in_the_board_of_a_fresh_page(client, live):
    client.force_login(live["chair"])
    session, review = live["session"], live["review"]
    swapped = client.post(
        url("session-live-vote-open", session, review), headers={"HX-Request": "true"}
    ).content.decode()
    # The board, then the outcome out of band in #live-notices, outside the polled board.
    board, notices = swapped.split('<div id="live-notices"')
    assert 'hx-swap-oob="true"' in notices and "<p>Vote ouvert" in notices
    fresh = client.get(url("session-live-board", session)).content.decode()
    assert normalised(board) == normalised(fresh)


# Session and user, savepoint, the session and its roles (3), items, members, attendance,
# conflicts, votes, voters and ballots of secret ballots, the members' questions, release: the same with 1 item as with 10. The page adds what the layout's
# header needs (1 query, pinned by the layout's own tests), the same whatever the agenda.
QUERIES = {"session-live": 17, "session-live-board": 16}


@pytest.mark.parametrize("view", QUERIES)
def test_query_counts_do_not_grow_with_the_agenda(client, voting, view):
    client.force_login(voting["chair"])
    get_page(client, url(view, voting["session"]), queries=QUERIES[view])
    for _ in range(9):
        review = Review.objects.create(session=voting["session"], startup=StartupFactory())
        Conflict.objects.create(review=review, member=voting["members"][1], reason="-")
    vote_cast(review=voting["review"], member=voting["members"][2], choice=STOP)
    get_page(client, url(view, voting["session"]), queries=QUERIES[view])


# Concurrency, on PostgreSQL


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
)


def in_threads(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait()
            target(index)
        except Exception as error:  # noqa: BLE001 — collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def fifty(transactional_db, incubator, startup):
    from committees.models import Committee

    committee = Committee.objects.create(name="Grand comité", incubator=incubator, quorum=25)
    session = SessionFactory(committee=committee, starts_at=timezone.now(), convened=True)
    review = Review.objects.create(session=session, startup=startup)
    chair = CommitteeMemberFactory(committee=committee, role=MemberRole.CHAIR).user
    session_open(session=session, by=chair, another_day=True)
    members = [CommitteeMemberFactory(committee=committee) for _ in range(50)]
    for member in members:
        attendance_set(session=session, member=member, present=True, by=chair)
    vote_open(review=review, by=chair)
    review = Review.objects.select_related("session__committee").get(pk=review.pk)
    return {"review": review, "members": members, "chair": chair}


@postgres_only
def test_fifty_voters_at_the_same_instant_make_fifty_votes(fifty):
    review, members = fifty["review"], fifty["members"]

    def cast(index):
        vote_cast(review=review, member=members[index], choice=REFINANCE, amount=Decimal(10))
        vote_cast(review=review, member=members[index], choice=STOP)  # the second tab

    errors = in_threads(50, cast)
    assert Vote.objects.filter(review=review).count() == 50
    assert set(Vote.objects.values_list("choice", flat=True)) == {REFINANCE}
    assert len(errors) == 50 and all(ALREADY_VOTED in str(e) for e in errors)


@postgres_only
def test_closing_while_voting_never_leaves_a_vote_after_the_close(fifty):
    review, members = fifty["review"], fifty["members"]

    def act(index):
        if index == 50:
            vote_close(review=review, by=fifty["chair"])
        else:
            vote_cast(review=review, member=members[index], choice=ADJUST)

    errors = in_threads(51, act)
    review.refresh_from_db()
    assert review.status == ReviewStatus.VOTED
    votes = Vote.objects.filter(review=review)
    assert votes.count() + len(errors) == 50
    assert all("pas ouvert" in str(e) for e in errors)
    assert not votes.filter(cast_at__gt=review.vote_closed_at).exists()


def test_an_htmx_vote_swaps_in_what_a_fresh_page_shows(client, voting, sponsor):
    client.force_login(sponsor)
    post = url("session-live-vote", voting["session"], voting["review"])
    swapped = client.post(post, {"choice": "adjust"}, headers={"HX-Request": "true"})
    assert 'id="vote-done-' in swapped.content.decode()
    fresh = client.get(url("session-live-board", voting["session"])).content.decode()
    assert normalised(swapped.content.decode()) in normalised(fresh)


def test_an_htmx_vote_with_errors_keeps_the_form_with_french_errors(client, voting, sponsor):
    client.force_login(sponsor)
    post = url("session-live-vote", voting["session"], voting["review"])
    response = client.post(post, {"months": "24"}, headers={"HX-Request": "true"}).content
    assert "Ce champ est obligatoire" in response.decode()
    assert "inférieure ou égale à 12" in response.decode()
    assert "hx-preserve" not in response.decode() and not Vote.objects.exists()


def test_a_vote_takes_a_fixed_number_of_queries(client, voting, sponsor):
    client.force_login(sponsor)
    post = url("session-live-vote", voting["session"], voting["review"])
    # Session, user, the item, the voting seat, the item locked with the seat's eligibility,
    # the insert, the audit row; plus the request's savepoint and its release.
    with assert_queries(9):
        client.post(post, {"choice": "stop"}, headers={"HX-Request": "true"})


# Secret ballots and the rules of a vote: fixed on the item when its vote opens, the tally
# frozen when it closes, and in a secret ballot no row that ties a voter to a choice.


def set_rules(committee, **rules):
    for name, value in rules.items():
        setattr(committee, name, value)
    committee.save(update_fields=list(rules))


def cast_all(review, members, choices):
    for member, choice in zip(members, choices, strict=True):
        vote_cast(review=review, member=member, choice=choice, amount=Decimal(100), months=6)


def test_a_secret_ballot_cannot_be_revealed_by_changing_the_rules_afterwards(client, live, staff):
    """The attack: three members vote by secret ballot, the vote closes, then staff post the
    committee's rules without `secret_ballot`: nothing may now show who chose what."""
    session, review, members = live["session"], live["review"], live["members"]
    committee = session.committee
    set_rules(committee, secret_ballot=True)
    vote_open(review=review, by=live["chair"])
    cast_all(review, members, [REFINANCE, REFINANCE, STOP])
    vote_close(review=review, by=live["chair"])

    client.force_login(staff)
    rules = {"quorum": 2, "majority": Majority.SIMPLE, "report_lead_days": 7}
    page = reverse("committees:committee", args=[committee.pk])
    client.post(
        reverse("committees:committee-rules", args=[committee.pk]), rules | loaded(client, page)
    )
    committee.refresh_from_db()
    assert committee.secret_ballot is False
    decision_record(
        review=review,
        terms=Terms(outcome=REFINANCE, amount=Decimal(100), months=6),
        by=live["chair"],
    )

    # The database holds who voted and, apart, three ballots that name nobody.
    assert not Vote.objects.exists()
    assert set(Voter.objects.values_list("member", flat=True)) == {m.pk for m in members}
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == [REFINANCE, REFINANCE, STOP]
    assert {f.name for f in Ballot._meta.get_fields()} == {
        "id",
        "review",
        "choice",
        "amount",
        "months",
        "comment",
    }
    cast = AuditEvent.objects.filter(action=AuditAction.VOTE_CAST)
    assert cast.count() == 3 and not any("choice" in event.detail for event in cast)

    live_page = client.get(reverse("committees:session-live", args=[session.pk]))
    minutes_page = client.get(reverse("committees:session-minutes", args=[session.pk]))
    for page in (live_page.content.decode(), minutes_page.content.decode(), minutes_html(session)):
        assert "bulletin secret" in page
        for member in members:
            name = member.user.get_full_name()
            assert f"{name} : " not in page, name
    assert "Refinancer 2" in " ".join(minutes_page.content.decode().split())


def test_the_rules_are_fixed_when_the_vote_opens_and_the_tally_when_it_closes(live, staff):
    review, members, committee = live["review"], live["members"], live["session"].committee
    set_rules(committee, secret_ballot=False, majority=Majority.SIMPLE, quorum=2)
    vote_open(review=review, by=live["chair"])
    set_rules(committee, secret_ballot=True, majority=Majority.UNANIMITY, quorum=3)
    cast_all(review, members, [REFINANCE, REFINANCE, STOP])
    vote_close(review=review, by=live["chair"])

    review = Review.objects.get(pk=review.pk)
    assert (review.secret_ballot, review.majority, review.quorum) == (False, Majority.SIMPLE, 2)
    assert Vote.objects.filter(review=review).count() == 3 and not Ballot.objects.exists()
    assert review.tally["counts"] == {REFINANCE: 2, ADJUST: 0, STOP: 1}
    assert tally(review).outcome == REFINANCE  # simple majority, as when the vote opened
    # The frozen tally is the record: a change of rules or rows after the close changes nothing.
    set_rules(committee, majority=Majority.TWO_THIRDS)
    Vote.objects.filter(review=review, choice=STOP).update(choice=REFINANCE)
    assert tally(review).counts == {REFINANCE: 2, ADJUST: 0, STOP: 1}
    opened = AuditEvent.objects.get(action=AuditAction.VOTE_OPENED)
    assert opened.detail["secret_ballot"] is False and opened.detail["majority"] == "simple"


def test_a_secret_ballot_is_cast_once(live):
    review, seat = live["review"], live["members"][1]
    set_rules(live["session"].committee, secret_ballot=True)
    vote_open(review=review, by=live["chair"])
    vote_cast(review=review, member=seat, choice=ADJUST)
    with pytest.raises(Exception, match=ALREADY_VOTED):
        vote_cast(review=review, member=seat, choice=STOP)
    assert Voter.objects.count() == 1
    assert list(Ballot.objects.values_list("choice", flat=True)) == [ADJUST]


@postgres_only
def test_fifty_secret_voters_at_the_same_instant_make_fifty_ballots(fifty):
    review, members = fifty["review"], fifty["members"]
    Review.objects.filter(pk=review.pk).update(secret_ballot=True)  # as the vote opened
    review.secret_ballot = True

    def cast(index):
        vote_cast(review=review, member=members[index], choice=REFINANCE)
        vote_cast(review=review, member=members[index], choice=STOP)  # the second tab

    errors = in_threads(50, cast)
    assert Voter.objects.filter(review=review).count() == 50
    assert list(Ballot.objects.values_list("choice", flat=True).distinct()) == [REFINANCE]
    assert Ballot.objects.filter(review=review).count() == 50 and not Vote.objects.exists()
    assert len(errors) == 50 and all(ALREADY_VOTED in str(e) for e in errors)


def test_the_migration_parts_the_votes_of_past_secret_ballots(live):
    """Votes cast by secret ballot before ballots were parted: the migration moves them to
    voters and ballots, and fixes on the item the rules its committee has."""
    from django.apps import apps

    migration = importlib.import_module("committees.migrations.0006_secret_ballots")
    review, members = live["review"], live["members"]
    vote_open(review=review, by=live["chair"])
    cast_all(review, members, [REFINANCE, STOP, STOP])
    vote_close(review=review, by=live["chair"])
    Review.objects.filter(pk=review.pk).update(secret_ballot=None, majority="", tally=None)
    set_rules(live["session"].committee, secret_ballot=True, majority=Majority.TWO_THIRDS)

    migration.fix_rules_and_part_ballots(apps, None)

    review.refresh_from_db()
    assert (review.secret_ballot, review.majority) == (True, Majority.TWO_THIRDS)
    assert not Vote.objects.exists() and Voter.objects.count() == 3
    assert sorted(Ballot.objects.values_list("choice", flat=True)) == [REFINANCE, STOP, STOP]
    assert tally(review).outcome == STOP
