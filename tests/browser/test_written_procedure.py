"""A written procedure in Chromium: the chair opens it from the committee page, the chair and
two members vote on their own pages, the vote closes after the last one by itself, the chair
records the decision and closes the procedure; axe-core on each new page."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from committees.enums import MemberRole, ReviewStatus, SessionKind, SessionStatus
from committees.models import Committee, Decision, Review, Session
from tests.factories import (
    CommitteeMemberFactory,
    IncubatorFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
)


@pytest.fixture
def committee(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip],
        with_round=True,
    )
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    chair = UserFactory(first_name="Claude", last_name="Martin")
    CommitteeMemberFactory(committee=committee, user=chair, role=MemberRole.CHAIR)
    members = [
        UserFactory(first_name="Dominique", last_name="Durand"),
        UserFactory(first_name="Sacha", last_name="Petit"),
    ]
    for user in members:
        CommitteeMemberFactory(committee=committee, user=user, organisation=dgfip)
    return {"committee": committee, "chair": chair, "members": members}


def member_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context, context.new_page()


def vote(page, choice: str):
    page.get_by_text(choice, exact=True).click()
    page.get_by_role("button", name="Voter").click()
    expect(page.locator("#live-board")).to_contain_text("Votre vote est enregistré")


def test_a_written_procedure_from_opening_to_minutes(
    page, log_in, browser, live_server, axe, screenshot, assert_accessible, committee
):
    log_in(committee["chair"])
    page.goto(reverse("committees:committee", args=[committee["committee"].pk]))
    page.get_by_role("link", name="Ouvrir une procédure écrite").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ouvrir une procédure écrite")
    assert_accessible()
    # Too close a deadline: said next to the field.
    page.get_by_role("combobox", name="Startup").select_option(label="Mon Service")
    deadline = page.get_by_label("Date limite du vote")
    proposed = deadline.input_value()
    deadline.fill("2000-01-01T10:00")
    page.get_by_role("button", name="Ouvrir le vote").click()
    expect(page.locator("main")).to_contain_text("au moins 24 heures après l’ouverture")
    assert_accessible()
    page.get_by_label("Date limite du vote").fill(proposed)
    page.get_by_role("button", name="Ouvrir le vote").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Procédure écrite")
    expect(page.locator("#deadline")).to_contain_text("Date limite du vote")
    expect(page.locator("#attendance")).to_have_count(0)
    expect(page.get_by_role("button", name="Clore le vote")).to_have_count(0)
    session = Session.objects.get(kind=SessionKind.WRITTEN)
    review = Review.objects.get(session=session)
    assert review.status == ReviewStatus.VOTING
    assert_accessible()
    vote(page, "Refinancer")

    contexts = []
    for number, user in enumerate(committee["members"]):
        context, member = member_page(browser, live_server, user)
        contexts.append(context)
        member.goto(reverse("committees:session-live", args=[session.pk]))
        expect(member.get_by_role("button", name="Voter")).to_be_visible()
        assert not axe.run(member).response["violations"]
        vote(member, "Refinancer")
        review.refresh_from_db()
        last = number == len(committee["members"]) - 1
        assert review.status == (ReviewStatus.VOTED if last else ReviewStatus.VOTING)
    # The chair's page shows the result by itself (polling).
    expect(page.locator("#live-board")).to_contain_text("Résultat : Refinancer", timeout=6_000)
    assert_accessible()
    for context in contexts:
        context.close()

    page.get_by_role("link", name="Enregistrer la décision").click()
    page.get_by_label("Montant accordé (€)").fill("300000")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--success, .fr-alert--info").first).to_be_visible()
    assert Decision.objects.filter(review=review).exists()
    page.goto(reverse("committees:session-minutes", args=[session.pk]))
    page.get_by_role("button", name="Clore la séance et envoyer le relevé").click()
    page.goto(reverse("committees:session-minutes", args=[session.pk]))
    expect(page.locator("main")).to_contain_text("procédure écrite du")
    session.refresh_from_db()
    assert session.status == SessionStatus.CLOSED
    screenshot("written-procedure-minutes")
    assert_accessible()
