"""Every persona's first day, from an invitation, in the real browser: incubator staff invite a
team member and a sponsor's representative from the startup's page, a colleague from the
incubator's page and a committee member from the committee's page; each invited person opens
the e-mailed link in their own browser and finds, on their home page, what their day is about.
axe-core on every page; screenshots on a desktop and a phone."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from committees.enums import MemberRole
from tests.browser.conftest import describe
from tests.browser.test_accessibility import VIEWPORTS
from tests.factories import (
    CommitteeFactory,
    CommitteeMemberFactory,
    IncubatorFactory,
    OrganisationFactory,
    ReviewFactory,
    SessionFactory,
    StartupFactory,
    UserFactory,
)

LINK = re.compile(r"https?://[^/\s]+(/comptes/lien/\?sesame=\S+)")


@pytest.fixture
def incubator_world(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(
        slug="dgfip", name="Direction générale des finances publiques", acronym="DGFiP"
    )
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip],
        with_committee=True,
        with_round=True,
    )
    committee = CommitteeFactory(name="Comité de la Fabrique", incubator=incubator)
    CommitteeMemberFactory(committee=committee, role=MemberRole.CHAIR)
    session = SessionFactory(committee=committee, convened=True)
    ReviewFactory(session=session, startup=startup)
    staff = UserFactory(email="staff@example.org", first_name="Camille", staff_of=incubator)
    return {"staff": staff, "startup": startup, "incubator": incubator, "committee": committee}


def invite(page, form_button: str, email: str, **selects):
    form = page.locator("form", has=page.get_by_role("button", name=form_button))
    form.get_by_label("Adresse électronique").fill(email)
    for label, value in selects.items():
        form.get_by_label(label).select_option(label=value)
    form.get_by_role("button", name=form_button).click()


def test_each_persona_starts_from_an_invitation(
    page, browser, live_server, log_in, assert_accessible, axe, screenshot, incubator_world
):
    world = incubator_world
    log_in(world["staff"])
    page.goto(world["startup"].get_absolute_url())
    page.get_by_role("link", name="Inviter l’équipe et les sponsors").click()
    expect(page.locator("h1")).to_have_text("Équipe et sponsors de Mon Service")
    invite(
        page,
        "Inviter dans l’équipe",
        "alex@example.org",
        **{"Rôle dans l’équipe": "Intrapreneur·e"},
    )
    expect(page.get_by_text("Invitation envoyée à alex@example.org.")).to_be_visible()
    invite(
        page,
        "Inviter pour ce sponsor",
        "sacha@example.org",
        **{"Sponsor représenté": "DGFiP"},
    )
    expect(page.get_by_text("Invitation envoyée à sacha@example.org.")).to_be_visible()
    expect(page.get_by_text("Invitation en attente")).to_have_count(2)
    screenshot("first-day-team-page")
    assert_accessible()

    page.goto(world["incubator"].get_absolute_url())
    page.get_by_role("link", name="Équipe de l’incubateur").click()
    invite(page, "Inviter dans l’équipe de l’incubateur", "dominique@example.org")
    expect(page.get_by_text("Invitation envoyée à dominique@example.org.")).to_be_visible()
    assert_accessible()

    page.goto(reverse("committees:committee", args=[world["committee"].pk]))
    invite(page, "Ajouter au comité", "morgan@example.org")
    expect(page.get_by_text("morgan@example.org ajouté·e au comité.")).to_be_visible()

    homes = {
        "alex@example.org": ["Ma startup", "Mon Service", "Prochaine séance", "Bilan"],
        "sacha@example.org": [
            "Les startups que finance DGFiP",
            "Séances à venir",
            "Mon Service : séance du",
        ],
        "dominique@example.org": ["Le portefeuille de La Fabrique", "Attendues en comité"],
        "morgan@example.org": ["Mes séances", "Comité de la Fabrique"],
    }
    links = {
        email.to[0]: LINK.search(email.body).group(1)
        for email in mail.outbox
        if email.subject.startswith("Invitation à rejoindre")
    }
    assert set(links) == set(homes)
    for address, expected in homes.items():
        context = browser.new_context(base_url=live_server.url, locale="fr-FR")
        person = context.new_page()
        person.goto(links[address])
        expect(person).to_have_url(f"{live_server.url}/")
        main = person.locator("main")
        for text in expected:
            expect(main).to_contain_text(text)
        expect(main).not_to_contain_text("n’est encore rattaché")
        for viewport, size in VIEWPORTS.items():
            person.set_viewport_size(size)
            assert person.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
            violations = axe.run(person).response["violations"]
            assert not violations, f"axe-core on {address}'s home:\n{describe(violations)}"
            person.screenshot(
                path=f"/tmp/comite-shots/first-day-{address.split('@')[0]}-{viewport}.png",
                full_page=True,
            )
        context.close()
    # Back on the team page, the invited team member has signed in.
    page.goto(reverse("startups:team", args=[world["startup"].slug]))
    expect(page.get_by_text("Connecté·e")).to_have_count(2)
