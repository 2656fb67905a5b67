"""Staff accept the team members espace-membre proposes, in the browser: one, then all."""

import datetime

from playwright.sync_api import expect

from accounts.models import User
from startups.enums import ProposalKind, TeamRole
from startups.models import MembershipProposal, TeamMembership
from tests.factories import IncubatorFactory, StartupFactory, UserFactory


def propose(startup, email, name, role):
    return MembershipProposal.objects.create(
        startup=startup,
        kind=ProposalKind.JOIN,
        email=email,
        name=name,
        role=role,
        domaine="Intraprenariat" if role == TeamRole.INTRAPRENEUR else "Développement",
        mission_start=datetime.date(2026, 9, 1),
    )


def test_staff_accept_one_proposal_then_all(
    page, log_in, screenshot, assert_accessible, transactional_db
):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    startup = StartupFactory(name="Mon Service", incubator=incubator)
    staff = UserFactory(email="staff@example.org", staff_of=incubator)
    propose(startup, "laure@beta.gouv.fr", "Laure Bousquet", TeamRole.INTRAPRENEUR)
    propose(startup, "yann@beta.gouv.fr", "Yann Morel", TeamRole.DEVELOPER)
    propose(startup, "ines@beta.gouv.fr", "Inès Garnier", TeamRole.DEVELOPER)
    log_in(staff)
    page.goto("/")
    page.get_by_role("link", name="Membres proposés").click()
    screenshot("member-proposals")
    assert_accessible()
    page.get_by_role("button", name="Accepter : Laure Bousquet").click()
    expect(page.get_by_role("button", name="Accepter : Laure Bousquet")).to_have_count(0)
    assert TeamMembership.objects.filter(
        startup=startup, user__email="laure@beta.gouv.fr", role=TeamRole.INTRAPRENEUR
    ).exists()
    page.get_by_role("button", name="Tout accepter (2)").click()
    expect(page.get_by_role("button", name="Accepter : Yann Morel")).to_have_count(0)
    assert TeamMembership.objects.filter(startup=startup).count() == 3
    assert User.objects.filter(email="ines@beta.gouv.fr").exists()
