"""Proxies: given before the session opens (by the giver, the chair or the managers), within the
committee's rules (allowed, so many per holder, no chain); the giver represented counts for the
quorum and is eligible on the items covered; the holder votes a second time "au nom de …"; the
live page, the minutes and the audit trail say so."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from committees.documents.dossiers import minutes_html
from committees.enums import AuditAction, MemberRole, Outcome, VoteMode
from committees.models import AuditEvent, Ballot, Conflict, Proxy, Review, Vote, Voter
from committees.sessions.proxies import proxy_give, proxy_withdraw
from committees.sessions.services import committee_update
from committees.sessions.voting import (
    ALREADY_VOTED,
    attendance_set,
    eligible_voters,
    quorum,
    session_open,
    tally,
    vote_cast,
    vote_close,
    vote_open,
)
from tests.committees.test_voting import QUERIES, in_threads
from tests.factories import CommitteeFactory, CommitteeMemberFactory, SessionFactory
from tests.utils import assert_queries, get_page

REFINANCE, STOP = Outcome.REFINANCE, Outcome.STOP


def seat(committee, first_name, role=MemberRole.VOTER, **kwargs):
    return CommitteeMemberFactory(
        committee=committee,
        role=role,
        user__first_name=first_name,
        user__last_name="Test",
        **kwargs,
    )


@pytest.fixture
def people(session):
    committee = session.committee
    committee.proxies_allowed = True
    committee.save(update_fields=["proxies_allowed"])
    return {
        "chair": seat(committee, "Claude", MemberRole.CHAIR),
        "alice": seat(committee, "Alice"),
        "bob": seat(committee, "Bob"),
        "carole": seat(committee, "Carole"),
        "dominique": seat(committee, "Dominique"),
        "secretary": seat(committee, "Sam", MemberRole.SECRETARY),
        "observer": seat(committee, "Olga", MemberRole.OBSERVER),
    }


def give(session, giver, holder, review=None, by=None):
    return proxy_give(
        session=session, giver=giver, holder=holder, review=review, by=(by or giver).user
    )


def sitting(session, people, present=("chair", "bob", "carole")):
    """The session convened then open, these members present, its first item pending."""
    if session.status == "planned":
        SessionFactory.set_state(session, convened=True)
    chair = people["chair"].user
    session_open(session=session, by=chair, another_day=True)
    for key in present:
        attendance_set(session=session, member=people[key], present=True, by=chair)
    return session.reviews.select_related("session__committee").first()


def page(session):
    return reverse("committees:session", args=[session.pk])


def give_url(session):
    return reverse("committees:session-proxy-give", args=[session.pk])


def vote_for_url(session, review, member):
    return reverse("committees:session-live-vote-for", args=[session.pk, review.pk, member.pk])


# Giving and withdrawing


def test_a_voting_member_gives_their_proxy_from_the_session_page(client, session, people):
    alice, bob = people["alice"], people["bob"]
    client.force_login(alice.user)
    prepare = client.get(reverse("committees:session-prepare", args=[session.pk]))
    assert f"{page(session)}#procurations" in prepare.content.decode()
    content = client.get(page(session)).content.decode()
    assert "Je ne pourrai pas venir : je donne procuration à" in content
    response = client.post(give_url(session), {"procuration-holder": bob.pk})
    assert response.status_code == 302
    proxy = Proxy.objects.get()
    assert (proxy.giver, proxy.holder, proxy.review, proxy.recorded_by) == (
        alice,
        bob,
        None,
        alice.user,
    )
    event = AuditEvent.objects.get(action=AuditAction.PROXY_GIVEN)
    assert event.actor == alice.user and event.detail["holder"] == bob.pk
    content = client.get(page(session)).content.decode()
    assert "Alice Test a donné procuration à Bob Test" in content
    assert "pour toute la séance" in content


def test_the_chair_and_the_managers_record_a_proxy_for_a_member(client, session, people, staff):
    alice, bob, carole, dominique = (people[k] for k in ("alice", "bob", "carole", "dominique"))
    review = session.reviews.get()
    give(session, alice, bob, by=people["chair"])
    give(session, carole, dominique, review=review, by=people["secretary"])
    client.force_login(staff)
    data = {"procuration-giver": bob.pk, "procuration-holder": dominique.pk}
    assert client.post(give_url(session), data).status_code == 422  # bob holds one: no chain
    assert Proxy.objects.count() == 2
    assert Proxy.objects.get(giver=carole).review == review


def test_a_voter_gives_only_their_own_and_others_give_none(client, session, people, intrapreneur):
    alice, bob, carole = people["alice"], people["bob"], people["carole"]
    with pytest.raises(PermissionDenied):
        give(session, alice, carole, by=bob)
    with pytest.raises(PermissionDenied):
        give(session, people["observer"], carole)
    client.force_login(bob.user)
    # A voter's form has no giver: a giver posted anyway is ignored, the proxy is Bob's own.
    client.post(give_url(session), {"procuration-giver": alice.pk, "procuration-holder": carole.pk})
    assert list(Proxy.objects.values_list("giver", "holder")) == [(bob.pk, carole.pk)]
    client.force_login(intrapreneur)
    assert client.post(give_url(session), {"procuration-holder": carole.pk}).status_code == 403
    assert Proxy.objects.count() == 1


def test_giver_and_holder_are_two_voting_members_of_the_committee(client, session, people):
    alice = people["alice"]
    stranger = CommitteeMemberFactory(committee=CommitteeFactory(name="Un autre comité"))
    client.force_login(alice.user)
    for holder in (stranger, people["observer"], alice):
        response = client.post(give_url(session), {"procuration-holder": holder.pk})
        assert response.status_code == 422
        assert "Choisir un membre votant du comité." in response.content.decode()
    with pytest.raises(ValidationError, match="Choisir un membre votant du comité"):
        give(session, alice, stranger)
    with pytest.raises(ValidationError, match="soi-même"):
        give(session, alice, alice)
    other_review = Review.objects.create(
        session=SessionFactory(committee=session.committee), startup=session.reviews.get().startup
    )
    response = client.post(
        give_url(session),
        {"procuration-holder": people["bob"].pk, "procuration-review": other_review.pk},
    )
    assert response.status_code == 422
    assert "Choisir un passage de l’ordre du jour." in response.content.decode()
    assert not Proxy.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.PROXY_GIVEN).exists()


def test_proxies_follow_the_committee_rules(client, session, people):
    alice, bob = people["alice"], people["bob"]
    committee = session.committee
    committee.proxies_allowed = False
    committee.save(update_fields=["proxies_allowed"])
    with pytest.raises(ValidationError, match="ne prévoient pas de procuration"):
        give(session, alice, bob)
    client.force_login(alice.user)
    assert "procuration" not in client.get(page(session)).content.decode().lower()
    assert client.post(give_url(session), {"procuration-holder": bob.pk}).status_code == 422
    assert not Proxy.objects.exists()


def test_no_chain_of_proxies(session, people):
    alice, bob, carole = people["alice"], people["bob"], people["carole"]
    review = session.reviews.get()
    give(session, alice, bob)
    with pytest.raises(ValidationError, match="détient une procuration"):
        give(session, bob, carole)
    with pytest.raises(ValidationError, match="a donné sa procuration"):
        give(session, carole, alice)
    with pytest.raises(ValidationError, match="a donné sa procuration"):
        give(session, carole, alice, review=review)
    with pytest.raises(ValidationError, match="déjà donné procuration"):
        give(session, alice, carole, review=review)  # a whole-session proxy and an item's
    assert Proxy.objects.count() == 1


def test_a_holder_holds_at_most_the_rules_number_on_any_item(session, people, startup):
    alice, bob, carole, dominique = (people[k] for k in ("alice", "bob", "carole", "dominique"))
    first = session.reviews.get()
    second = Review.objects.create(
        session=session,
        startup=startup.__class__.objects.create(
            slug="autre", name="Autre service", incubator=startup.incubator
        ),
        position=1,
    )
    give(session, alice, bob, review=first)
    give(session, carole, bob, review=second)  # another item: one vote each
    with pytest.raises(ValidationError, match="détient déjà 1 procuration"):
        give(session, dominique, bob)  # the whole session would give two votes on both
    with pytest.raises(ValidationError, match="en permettent 1 par mandataire"):
        give(session, dominique, bob, review=first)
    committee = session.committee
    committee.proxies_per_holder = 2
    committee.save(update_fields=["proxies_per_holder"])
    give(session, dominique, bob)
    assert Proxy.objects.filter(holder=bob).count() == 3


def test_withdrawn_until_the_session_opens_by_the_giver(client, session, people):
    alice, bob = people["alice"], people["bob"]
    proxy = give(session, alice, bob)
    with pytest.raises(PermissionDenied):
        proxy_withdraw(proxy=proxy, by=bob.user)  # the holder does not withdraw it
    withdraw = reverse("committees:session-proxy-withdraw", args=[session.pk, proxy.pk])
    client.force_login(alice.user)
    client.post(withdraw)
    assert not Proxy.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.PROXY_WITHDRAWN)
    assert event.actor == alice.user and event.detail["giver"] == alice.pk
    assert client.post(withdraw).status_code == 404  # a second click

    proxy = give(session, alice, bob)
    sitting(session, people)
    with pytest.raises(ValidationError, match="jusqu’à l’ouverture"):
        proxy_withdraw(proxy=proxy, by=alice.user)
    with pytest.raises(ValidationError, match="avant l’ouverture"):
        give(session, people["carole"], people["dominique"])
    assert list(Proxy.objects.all()) == [proxy]


def test_another_sessions_proxy_is_not_found_here(client, session, people):
    other = SessionFactory(committee=session.committee)
    proxy = give(other, people["alice"], people["bob"])
    client.force_login(people["alice"].user)
    url = reverse("committees:session-proxy-withdraw", args=[session.pk, proxy.pk])
    assert client.post(url).status_code == 404
    assert Proxy.objects.filter(pk=proxy.pk).exists()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_proxies_to_one_holder_at_the_same_instant_make_one(incubator, startup):
    committee = CommitteeFactory(name="Comité parallèle", incubator=incubator, proxies_allowed=True)
    session = SessionFactory(committee=committee)
    Review.objects.create(session=session, startup=startup)
    holder = seat(committee, "Bob")
    givers = [seat(committee, f"Membre{i}") for i in range(2)]
    errors = in_threads(2, lambda index: give(session, givers[index], holder))
    assert Proxy.objects.filter(holder=holder).count() == 1
    assert len(errors) == 1 and "en permettent 1 par mandataire" in str(errors[0])


# Quorum and eligibility


def test_a_represented_giver_counts_for_the_quorum_and_is_eligible(session, people):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people)
    assert quorum(session).present == 4  # the chair, Bob, Carole, and Alice represented
    assert quorum(session, review).present == 4
    assert alice in eligible_voters(review)
    attendance_set(session=session, member=bob, present=False, by=people["chair"].user)
    assert alice not in eligible_voters(review)  # the holder absent: nobody carries her vote
    assert quorum(session).present == 2


def test_an_item_proxy_covers_that_item_only(session, people, startup):
    alice, bob = people["alice"], people["bob"]
    first = session.reviews.get()
    second = Review.objects.create(
        session=session,
        startup=startup.__class__.objects.create(
            slug="autre", name="Autre service", incubator=startup.incubator
        ),
        position=1,
    )
    give(session, alice, bob, review=second)
    sitting(session, people)
    assert alice not in eligible_voters(first)
    assert alice in eligible_voters(second)
    assert quorum(session).present == 3  # an item's proxy counts for that item's quorum only
    assert quorum(session, second).present == 4


def test_the_recusal_of_the_giver_or_of_the_holder_loses_the_givers_vote(session, people):
    alice, bob, carole = people["alice"], people["bob"], people["carole"]
    give(session, alice, bob)
    review = sitting(session, people)
    Conflict.objects.create(review=review, member=bob, reason="Ancien associé")
    assert alice not in eligible_voters(review)
    Conflict.objects.filter(member=bob).delete()
    Conflict.objects.create(review=review, member=alice, reason="Ancienne cheffe de produit")
    assert alice not in eligible_voters(review)
    vote_open(review=review, by=people["chair"].user)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=alice, by=bob, choice=REFINANCE)
    assert carole in eligible_voters(review)


def test_a_giver_present_votes_themselves_and_the_proxy_is_not_used(session, people):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people, present=("chair", "alice", "bob"))
    vote_open(review=review, by=people["chair"].user)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=alice, by=bob, choice=STOP)
    vote_cast(review=review, member=alice, choice=REFINANCE)
    assert Vote.objects.get(member=alice).mode == VoteMode.SELF


def test_turning_proxies_off_leaves_the_recorded_ones_unusable(session, people, staff):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people)
    committee = session.committee
    rules = {"quorum": 2, "majority": "simple", "secret_ballot": False, "report_lead_days": 7}
    committee_update(committee=committee, **rules, proxies_allowed=False, by=staff)
    assert alice not in eligible_voters(review)
    vote_open(review=review, by=people["chair"].user)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=alice, by=bob, choice=STOP)
    # While a vote is open, proxies (read at each vote) do not change.
    with pytest.raises(ValidationError, match="Un vote est ouvert"):
        committee_update(committee=committee, **rules, proxies_allowed=True, by=staff)
    committee.refresh_from_db()
    assert committee.proxies_allowed is False
    assert not Vote.objects.exists()


# Voting by proxy


def test_the_holder_votes_in_the_givers_name(session, people):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people)
    vote_open(review=review, by=people["chair"].user)
    vote_cast(review=review, member=bob, choice=REFINANCE, amount=Decimal(100), months=6)
    vote_cast(review=review, member=alice, by=bob, choice=STOP)
    vote = Vote.objects.get(member=alice)
    assert (vote.mode, vote.cast_by, vote.choice) == (VoteMode.PROXY, bob, STOP)
    assert Vote.objects.get(member=bob).mode == VoteMode.SELF
    event = AuditEvent.objects.filter(action=AuditAction.VOTE_CAST).get(detail__member=alice.pk)
    assert event.actor == bob.user
    assert (event.detail["mode"], event.detail["cast_by"]) == (VoteMode.PROXY, bob.pk)
    result = tally(review)
    assert (result.eligible, result.cast, result.abstentions) == (4, 2, 2)
    with pytest.raises(ValidationError, match=ALREADY_VOTED):
        vote_cast(review=review, member=alice, by=bob, choice=REFINANCE)
    vote_close(review=review, by=people["chair"].user)
    review.refresh_from_db()
    assert review.tally["abstentions"] == 2 and review.tally["eligible"] == 4


def test_only_the_holder_votes_in_the_givers_name_and_only_while_the_vote_is_open(session, people):
    alice, bob, carole = people["alice"], people["bob"], people["carole"]
    give(session, alice, bob)
    review = sitting(session, people)
    with pytest.raises(ValidationError, match="n’est pas ouvert"):
        vote_cast(review=review, member=alice, by=bob, choice=STOP)
    vote_open(review=review, by=people["chair"].user)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=alice, by=carole, choice=STOP)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=carole, by=bob, choice=STOP)  # no proxy from Carole
    vote_close(review=review, by=people["chair"].user)
    with pytest.raises(ValidationError, match="n’est pas ouvert"):
        vote_cast(review=review, member=alice, by=bob, choice=STOP)
    assert not Vote.objects.exists()


def test_a_secret_ballot_by_proxy_keeps_no_link(session, people):
    alice, bob = people["alice"], people["bob"]
    committee = session.committee
    committee.secret_ballot = True
    committee.save(update_fields=["secret_ballot"])
    give(session, alice, bob)
    review = sitting(session, people)
    vote_open(review=review, by=people["chair"].user)
    vote_cast(review=review, member=alice, by=bob, choice=STOP)
    voter = Voter.objects.get()
    assert (voter.member, voter.mode, voter.cast_by) == (alice, VoteMode.PROXY, bob)
    assert not Vote.objects.exists()
    assert list(Ballot.objects.values_list("choice", flat=True)) == [STOP]
    assert {f.name for f in Ballot._meta.get_fields()} == {
        "id",
        "review",
        "choice",
        "amount",
        "months",
        "comment",
    }
    event = AuditEvent.objects.get(action=AuditAction.VOTE_CAST)
    assert "choice" not in event.detail


def test_the_holder_votes_twice_on_the_live_page(client, session, people):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people)
    vote_open(review=review, by=people["chair"].user)
    client.force_login(bob.user)
    live = reverse("committees:session-live", args=[session.pk])
    content = client.get(live).content.decode()
    assert "Voter au nom de Alice Test" in content
    post = vote_for_url(session, review, alice)
    htmx = {"HX-Request": "true"}
    first = client.post(post, {f"pour-{alice.pk}-choice": "stop"}, headers=htmx)
    again = client.post(
        post, {f"pour-{alice.pk}-choice": "refinance"}, headers=htmx
    )  # double click
    assert "Vote enregistré au nom de Alice Test." in first.content.decode()
    assert "Le vote de Alice Test est déjà enregistré." in again.content.decode()
    client.post(
        reverse("committees:session-live-vote", args=[session.pk, review.pk]),
        {"choice": "refinance"},
    )
    assert list(Vote.objects.order_by("member_id").values_list("member", "choice", "mode")) == [
        (alice.pk, "stop", "proxy"),
        (bob.pk, "refinance", "self"),
    ]
    client.force_login(people["chair"].user)
    content = client.get(live).content.decode()
    assert "Bob Test au nom de Alice Test" in content


def test_a_form_for_someone_without_a_proxy_or_of_another_committee_writes_nothing(
    client, session, people
):
    alice, bob, carole = people["alice"], people["bob"], people["carole"]
    give(session, alice, bob)
    review = sitting(session, people)
    vote_open(review=review, by=people["chair"].user)
    stranger = CommitteeMemberFactory(committee=CommitteeFactory(name="Un autre comité"))
    client.force_login(bob.user)
    post = vote_for_url(session, review, stranger)
    assert client.post(post, {f"pour-{stranger.pk}-choice": "stop"}).status_code == 404
    client.force_login(carole.user)
    response = client.post(
        vote_for_url(session, review, alice),
        {f"pour-{alice.pk}-choice": "stop"},
        headers={"HX-Request": "true"},
    )
    assert "Vous ne pouvez pas voter au nom de ce membre" in response.content.decode()
    response = client.post(vote_for_url(session, review, alice), {})
    assert response.status_code == 422  # no choice: the form again, its error next to the field
    assert not Vote.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.VOTE_CAST).exists()


def test_the_live_page_does_not_grow_with_the_proxies(client, session, people, startup):
    alice, bob, carole, dominique = (people[k] for k in ("alice", "bob", "carole", "dominique"))
    give(session, alice, bob)
    review = sitting(session, people, present=("chair", "bob", "carole", "dominique"))
    vote_open(review=review, by=people["chair"].user)
    # The live page's queries and the session's proxies.
    queries = {
        "session-live": QUERIES["session-live"] + 1,
        "session-live-board": QUERIES["session-live-board"] + 1,
    }
    client.force_login(bob.user)
    for view, count in queries.items():
        get_page(client, reverse(f"committees:{view}", args=[session.pk]), queries=count)
    more = [seat(session.committee, f"Membre{i}") for i in range(4)]
    session.committee.proxies_per_holder = 5
    session.committee.save(update_fields=["proxies_per_holder"])
    for giver in more:
        Proxy.objects.create(session=session, giver=giver, holder=bob)
    vote_cast(review=review, member=alice, by=bob, choice=STOP)
    for view, count in queries.items():
        response = get_page(client, reverse(f"committees:{view}", args=[session.pk]), queries=count)
    assert response.content.decode().count("Voter au nom de") == 4
    # A vote in someone's name: the same round trips as one's own, plus the giver's seat.
    with assert_queries(10):
        client.post(
            vote_for_url(session, review, more[0]),
            {f"pour-{more[0].pk}-choice": "stop"},
            headers={"HX-Request": "true"},
        )


def test_the_minutes_list_the_proxies_and_the_votes_in_someones_name(client, session, people):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people)
    vote_open(review=review, by=people["chair"].user)
    vote_cast(review=review, member=alice, by=bob, choice=STOP)
    vote_close(review=review, by=people["chair"].user)
    client.force_login(people["chair"].user)
    minutes = client.get(reverse("committees:session-minutes", args=[session.pk])).content.decode()
    for content in (" ".join(minutes.split()), " ".join(minutes_html(session).split())):
        assert "Alice Test a donné procuration à Bob Test pour toute la séance" in content
        assert "Bob Test au nom de Alice Test" in content
    assert "et 1 représenté par procuration pour un quorum" in " ".join(
        minutes_html(session).split()
    )


def test_the_holder_absent_or_no_longer_a_voter_carries_no_vote(session, people):
    alice, bob = people["alice"], people["bob"]
    give(session, alice, bob)
    review = sitting(session, people)
    vote_open(review=review, by=people["chair"].user)
    attendance_set(session=session, member=bob, present=False, by=people["chair"].user)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=alice, by=bob, choice=STOP)
    attendance_set(session=session, member=bob, present=True, by=people["chair"].user)
    bob.role = MemberRole.OBSERVER  # his role changed during the session
    bob.save(update_fields=["role"])
    assert alice not in eligible_voters(review)
    with pytest.raises(PermissionDenied):
        vote_cast(review=review, member=alice, by=bob, choice=STOP)
    assert not Vote.objects.exists()
