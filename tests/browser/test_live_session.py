"""A whole session live in two browsers, the chair's and a sponsor's: attendance, the vote
opened, cast and closed, each page following the other without a reload (htmx polling);
axe-core on both pages."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from committees.enums import MemberRole
from committees.models import Committee, Review, Session
from tests.factories import (
    CommitteeMemberFactory,
    IncubatorFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
)


@pytest.fixture
def sitting(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    startup = StartupFactory(
        slug="mon-service", name="Mon Service", incubator=incubator, sponsors=[dgfip]
    )
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    now = timezone.now()
    starts_at = timezone.make_aware(datetime.datetime.combine(now.date(), datetime.time(14)))
    session = Session.objects.create(
        committee=committee, starts_at=starts_at, status="convened", convened_at=now
    )
    Review.objects.create(
        session=session, startup=startup, requested_amount=400_000, requested_months=6
    )
    chair = UserFactory(first_name="Claude", last_name="Martin")
    sponsor = UserFactory(first_name="Dominique", last_name="Durand", sponsor_of=dgfip)
    CommitteeMemberFactory(committee=committee, user=chair, role=MemberRole.CHAIR)
    CommitteeMemberFactory(committee=committee, user=sponsor, organisation=dgfip)
    return {"session": session, "chair": chair, "sponsor": sponsor}


def logged_in_page(context, live_server, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


def test_a_session_runs_live_in_the_chairs_and_a_sponsors_browsers(
    page, log_in, browser, live_server, axe, screenshot, assert_accessible, sitting
):
    live_url = reverse("committees:session-live", args=[sitting["session"].pk])
    log_in(sitting["chair"])
    page.goto(live_url)
    page.get_by_role("button", name="Ouvrir la séance").click()
    expect(page.locator("#live-board")).to_contain_text("Séance en cours")
    page.locator("#attendance").get_by_text("Claude Martin").click()
    expect(page.locator("#quorum")).to_contain_text("1 membre votant présent")
    page.locator("#attendance").get_by_text("Dominique Durand").click()
    expect(page.locator("#quorum")).to_contain_text("2 membres votants présents")
    expect(page.locator("#quorum")).to_contain_text("atteint")

    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    sponsor_page = logged_in_page(context, live_server, sitting["sponsor"])
    errors = []
    sponsor_page.on("pageerror", lambda error: errors.append(str(error)))
    sponsor_page.goto(live_url)
    expect(sponsor_page.locator("#live-board")).to_contain_text("À examiner")
    expect(sponsor_page.get_by_role("button", name="Voter")).to_have_count(0)

    page.get_by_role("button", name="Ouvrir le vote").click()
    expect(page.get_by_role("button", name="Clore le vote")).to_be_visible()

    # The sponsor's page shows the vote form by itself (polling), keeps what is typed in it
    # while the board refreshes, and records the vote.
    expect(sponsor_page.get_by_role("button", name="Voter")).to_be_visible(timeout=6_000)
    sponsor_page.get_by_text("Refinancer", exact=True).click()
    sponsor_page.get_by_label("Montant proposé (€)").fill("400000")
    sponsor_page.wait_for_timeout(2_500)  # at least one refresh of the board in between
    expect(sponsor_page.get_by_label("Montant proposé (€)")).to_have_value("400000")
    sponsor_page.get_by_label("Durée proposée (mois)").fill("6")
    sponsor_page.get_by_role("button", name="Voter").click()
    expect(sponsor_page.locator("#live-board")).to_contain_text("Votre vote est enregistré")
    assert_accessible()
    sponsor_violations = axe.run(sponsor_page).response["violations"]
    assert not sponsor_violations, sponsor_violations

    # The chair's page counts the vote by itself.
    expect(page.locator("#live-board")).to_contain_text("1 vote", timeout=6_000)
    expect(page.locator("#live-board")).to_contain_text("Dominique Durand")
    page.get_by_role("button", name="Clore le vote").click()
    expect(page.locator("#live-board")).to_contain_text("Résultat : Refinancer")
    expect(sponsor_page.locator("#live-board")).to_contain_text(
        "Résultat : Refinancer", timeout=6_000
    )
    screenshot("live-session-chair")
    assert_accessible()
    assert not axe.run(sponsor_page).response["violations"]
    context.close()
    assert not errors, errors
