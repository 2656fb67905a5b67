"""Proxies and votes entered by the chair, in real browsers: a member gives her proxy before the
session, the chair opens it and the vote, the holder votes twice on the live page (his own, then
"au nom de …"), the chair enters the vote of a member present by phone, the minutes show both;
axe-core on every page touched."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from committees.enums import MemberRole
from committees.models import Committee, Review, Session, Vote
from tests.browser.test_live_session import logged_in_page
from tests.factories import (
    CommitteeMemberFactory,
    IncubatorFactory,
    StartupFactory,
    UserFactory,
)


@pytest.fixture
def sitting(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    startup = StartupFactory(slug="mon-service", name="Mon Service", incubator=incubator)
    committee = Committee.objects.create(
        name="Comité de la Fabrique",
        incubator=incubator,
        proxies_allowed=True,
        chair_votes_allowed=True,
    )
    now = timezone.now()
    starts_at = timezone.make_aware(datetime.datetime.combine(now.date(), datetime.time(14)))
    session = Session.objects.create(
        committee=committee, starts_at=starts_at, status="convened", convened_at=now
    )
    review = Review.objects.create(session=session, startup=startup)
    people = {}
    for key, first, last, role in (
        ("chair", "Claude", "Martin", MemberRole.CHAIR),
        ("alice", "Alice", "Durand", MemberRole.VOTER),
        ("bob", "Bob", "Petit", MemberRole.VOTER),
        ("paul", "Paul", "Roux", MemberRole.VOTER),
    ):
        user = UserFactory(first_name=first, last_name=last)
        people[key] = CommitteeMemberFactory(committee=committee, user=user, role=role)
    return {"session": session, "review": review, **people}


def test_a_proxy_and_a_phone_vote_from_the_session_page_to_the_minutes(
    browser, live_server, axe, sitting
):
    session, review = sitting["session"], sitting["review"]
    alice, bob, paul, chair = (sitting[k] for k in ("alice", "bob", "paul", "chair"))
    errors = []

    def open_as(member):
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        context.set_default_timeout(10_000)
        page = logged_in_page(context, live_server, member.user)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return context, page

    def assert_accessible(page):
        violations = axe.run(page).response["violations"]
        assert not violations, violations

    # Before the session: Alice gives her proxy to Bob from the session's page.
    alice_context, alice_page = open_as(alice)
    alice_page.goto(reverse("committees:session", args=[session.pk]))
    alice_page.get_by_label("Je ne pourrai pas venir : je donne procuration à").select_option(
        label="Bob Petit"
    )
    alice_page.get_by_role("button", name="Enregistrer la procuration").click()
    expect(alice_page.locator("#procurations").locator("..")).to_contain_text(
        "Alice Durand a donné procuration à Bob Petit pour toute la séance"
    )
    assert_accessible(alice_page)
    alice_context.close()

    # The chair opens the session, notes who is there (Paul by phone) and opens the vote.
    chair_context, chair_page = open_as(chair)
    live_url = reverse("committees:session-live", args=[session.pk])
    chair_page.goto(live_url)
    chair_page.get_by_role("button", name="Ouvrir la séance").click()
    expect(chair_page.locator("#live-board")).to_contain_text("Séance en cours")
    attendance = chair_page.locator("#attendance")
    attendance.locator(f"label[for=present-{chair.pk}]").click()
    expect(chair_page.locator("#quorum")).to_contain_text("1 membre votant présent")
    attendance.locator(f"label[for=present-{bob.pk}]").click()
    # Bob present: Alice, whom he represents, counts too.
    expect(chair_page.locator("#quorum")).to_contain_text("3 membres votants présents")
    attendance.locator(f"label[for=present-{paul.pk}]").click()
    expect(chair_page.locator("#quorum")).to_contain_text("4 membres votants présents")
    chair_page.locator("#attendance").locator(f"label[for=remote-{paul.pk}]").click()
    expect(chair_page.locator(f"#remote-{paul.pk}")).to_be_checked()
    chair_page.get_by_role("button", name="Ouvrir le vote").click()
    expect(chair_page.get_by_role("button", name="Clore le vote")).to_be_visible()

    # Bob votes twice: his own vote, then in Alice's name.
    bob_context, bob_page = open_as(bob)
    bob_page.goto(live_url)
    own = bob_page.locator(f"#vote-form-{review.pk}")
    own.get_by_text("Refinancer", exact=True).click()
    own.get_by_role("button", name="Voter").click()
    expect(bob_page.locator("#live-board")).to_contain_text("Votre vote est enregistré")
    for_alice = bob_page.locator(f"#vote-for-{review.pk}-{alice.pk}")
    expect(for_alice).to_contain_text("Voter au nom de Alice Durand")
    for_alice.get_by_text("Ajuster", exact=True).click()
    for_alice.get_by_role("button", name="Voter en son nom").click()
    expect(bob_page.locator("#live-board")).to_contain_text(
        "Vote enregistré au nom de Alice Durand."
    )
    assert_accessible(bob_page)

    # The chair enters Paul's vote, then closes the vote.
    phone = chair_page.locator(f"#vote-for-{review.pk}-{paul.pk}")
    expect(phone).to_contain_text("Saisir le vote de Paul Roux", timeout=6_000)
    phone.get_by_text("Arrêter", exact=True).click()
    phone.get_by_role("button", name="Enregistrer son vote").click()
    expect(chair_page.locator("#live-board")).to_contain_text(
        "Vote de Paul Roux saisi par la présidence."
    )
    expect(chair_page.locator("#live-board")).to_contain_text(
        "Bob Petit au nom de Alice Durand", timeout=6_000
    )
    assert_accessible(chair_page)
    chair_page.get_by_role("button", name="Clore le vote").click()
    expect(chair_page.locator("#live-board")).to_contain_text("Paul Roux, saisi par la présidence")
    assert_accessible(chair_page)

    chair_page.goto(reverse("committees:session-minutes", args=[session.pk]))
    minutes = chair_page.locator("main")
    expect(minutes).to_contain_text("Alice Durand a donné procuration à Bob Petit")
    expect(minutes).to_contain_text("Bob Petit au nom de Alice Durand : Ajuster")
    expect(minutes).to_contain_text("Paul Roux, saisi par la présidence : Arrêter")
    assert_accessible(chair_page)
    bob_context.close()
    chair_context.close()
    modes = dict(Vote.objects.values_list("member", "mode"))
    assert modes == {bob.pk: "self", alice.pk: "proxy", paul.pk: "chair"}
    assert not errors, errors
