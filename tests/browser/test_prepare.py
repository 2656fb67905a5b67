"""Preparing a session in a real browser: a sponsor's representative on the committee opens the
session's items, reads the submitted report, scores the grid and writes notes (autosave), then
declares the recusal Comité proposes; axe-core on both pages."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone
from playwright.sync_api import expect

from committees.models import Assessment, Committee, Conflict, Review, Session
from tests.committees.reports import submitted_report
from tests.factories import (
    CommitteeMemberFactory,
    IncubatorFactory,
    OrganisationFactory,
    StartupFactory,
    UserFactory,
)


@pytest.fixture
def people(transactional_db):
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    startup = StartupFactory(
        slug="mon-service",
        name="Mon Service",
        incubator=incubator,
        sponsors=[dgfip],
        with_committee=True,
        with_round=True,
    )
    other = StartupFactory(slug="autre-service", name="Autre Service", incubator=incubator)
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    starts_at = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=21), datetime.time(14)
        )
    )
    session = Session.objects.create(committee=committee, starts_at=starts_at, place="Ségur")
    review = Review.objects.create(session=session, startup=startup, position=1)
    Review.objects.create(session=session, startup=other, position=2)
    submitted_report(startup, UserFactory(member_of=startup))
    sponsor = UserFactory(first_name="Dominique", sponsor_of=dgfip)
    member = CommitteeMemberFactory(committee=committee, user=sponsor, organisation=dgfip)
    return {"session": session, "review": review, "sponsor": sponsor, "member": member}


def saved(page, *, notes: str) -> Assessment:
    """The assessment once autosave has stored these notes (it waits 1.5 s after typing).

    On SQLite the test database is shared in memory with the live server's thread: while that
    thread writes the assessment, reading its table fails at once ("database table is locked")
    instead of waiting, so that read is tried again like any other not-yet."""
    for _ in range(50):
        try:
            assessment = Assessment.objects.first()
        except OperationalError:
            assessment = None
        if assessment and assessment.notes == notes:
            return assessment
        page.wait_for_timeout(100)
    raise AssertionError("autosave did not store the notes")


def test_a_sponsor_prepares_an_item(page, log_in, screenshot, assert_accessible, people):
    log_in(people["sponsor"])
    page.goto("/")
    page.get_by_role("link", name="Préparer la séance").click()
    expect(page.locator("h1")).to_contain_text("Préparer la séance du")
    expect(page.locator("#items")).to_contain_text("Déport proposé")
    assert_accessible()
    screenshot("session-prepare")

    page.get_by_role("link", name="Préparer le passage de Mon Service").click()
    expect(page.locator("h1")).to_have_text("Passage de Mon Service")
    expect(page.locator("#bilan")).to_contain_text("Des formulaires papier ressaisis à la main.")
    assert_accessible()

    # Autosave: a click on a score is enough, the status line says when it was saved.
    page.locator("label[for=id_positioning_3]").click()
    expect(page.locator("#status-grid")).to_contain_text("Enregistré à")
    page.locator("label[for=id_adjusts_1]").click()
    page.locator("#id_notes").fill("Demander le coût par dossier en 2025.")
    expect(page.locator("#status-grid")).to_contain_text("Enregistré à")
    assessment = saved(page, notes="Demander le coût par dossier en 2025.")
    assert assessment.scores == {"positioning": 4, "adjusts": 2}
    assert assessment.notes == "Demander le coût par dossier en 2025."
    screenshot("review-prepare")

    # The reload shows what was saved.
    page.reload()
    expect(page.locator("#id_positioning_3")).to_be_checked()
    expect(page.locator("#id_notes")).to_have_value("Demander le coût par dossier en 2025.")

    # The recusal Comité proposes: the member speaks for the startup's sponsor.
    page.get_by_role("button", name="Me déporter").click()
    expect(page.locator("#conflit")).to_contain_text("Vous êtes déporté·e sur ce passage")
    assert Conflict.objects.get().member == people["member"]
    assert_accessible()
