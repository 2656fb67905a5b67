"""The chair's decision form and the minutes in Chromium, with axe-core on each (desktop and
phone): the vote's majority is pre-selected, a decision against it needs a reason shown next to
the field, the decision is recorded and shows in the minutes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from committees.enums import MemberRole, ReviewStatus, SessionStatus
from committees.models import (
    Attendance,
    Committee,
    CommitteeMember,
    Decision,
    Review,
    Session,
    Vote,
)
from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, UserFactory

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}


@pytest.fixture
def voted(transactional_db):
    """An open session with one item whose vote is closed: two refinance, one adjust."""
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    startup = StartupFactory(
        name="Mon Service", incubator=incubator, sponsors=[dgfip], with_round=True
    )
    chair = UserFactory(email="chair@example.org", first_name="Camille", last_name="Président")
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    now = timezone.now()
    day = timezone.localdate() + datetime.timedelta(days=15)
    session = Session.objects.create(
        committee=committee,
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(14))),
        place="Ségur",
        status=SessionStatus.OPEN,
        convened_at=now,
        opened_at=now,
    )
    members = [
        CommitteeMember.objects.create(committee=committee, user=chair, role=MemberRole.CHAIR)
    ]
    for n in range(2):
        members.append(
            CommitteeMember.objects.create(
                committee=committee,
                user=UserFactory(email=f"voter{n}@example.org"),
                role=MemberRole.VOTER,
            )
        )
    review = Review.objects.create(
        session=session,
        startup=startup,
        status=ReviewStatus.VOTED,
        vote_opened_at=now,
        vote_closed_at=now,
        requested_amount=Decimal("250000"),
    )
    for member, choice in zip(members, ["refinance", "refinance", "adjust"], strict=True):
        Attendance.objects.create(session=session, member=member, present=True)
        Vote.objects.create(
            review=review, member=member, choice=choice, amount=Decimal("240000"), months=6
        )
    return {"chair": chair, "session": session, "review": review}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_chair_records_the_decision_and_reads_the_minutes(
    page, log_in, screenshot, assert_accessible, voted, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(voted["chair"])
    review = voted["review"]
    page.goto(reverse("committees:review-decide", args=[review.session_id, review.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Décision : Mon Service")
    expect(page.get_by_label("Refinancer")).to_be_checked()
    screenshot(f"decision-form-{viewport}")
    assert_accessible()
    # Against the majority without a reason: refused next to the field.
    page.get_by_text("Ajuster", exact=True).click()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator("#id_reason-desc-error")).to_contain_text("indiquer le motif")
    assert_accessible()
    page.get_by_label("Motif").fill("Budget revu avec le sponsor")
    page.get_by_label("Montant accordé (€)").fill("200000")
    page.get_by_label("Conditions").fill("Publier la page de statistiques")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--success, .fr-alert--info").first).to_be_visible()
    assert Decision.objects.get(review=review).amount == Decimal("200000")
    page.goto(reverse("committees:session-minutes", args=[review.session_id]))
    expect(page.get_by_role("heading", level=1)).to_have_text("Relevé de décisions")
    expect(page.locator("main")).to_contain_text("Publier la page de statistiques")
    screenshot(f"decision-minutes-{viewport}")
    assert_accessible()
