"""The money after the decision in Chromium, in December: the staff set a sponsor's purchasing
addresses, the chair records a decision and sees the order window's warning, the purchasing team
is told, the order is late, then the staff record its steps and the late list empties. axe-core
on each new page."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from committees.enums import MemberRole, ReviewStatus, SessionStatus
from committees.models import Attendance, Committee, CommitteeMember, Review, Session, Vote
from startups.models import FundingRound
from tests.factories import IncubatorFactory, OrganisationFactory, StartupFactory, UserFactory

DECEMBER_DAY = "2026-12-10"


@pytest.fixture
def voted(transactional_db):
    """An open session with one item whose vote is closed, and the incubator's staff."""
    incubator = IncubatorFactory(slug="fabrique", title="La Fabrique")
    dgfip = OrganisationFactory(slug="dgfip", name="DGFiP", acronym="DGFiP")
    startup = StartupFactory(
        name="Mon Service", incubator=incubator, sponsors=[dgfip], with_round=True
    )
    chair = UserFactory(email="chair@example.org")
    committee = Committee.objects.create(name="Comité de la Fabrique", incubator=incubator)
    now = timezone.now()
    session = Session.objects.create(
        committee=committee,
        starts_at=now,
        place="Ségur",
        status=SessionStatus.OPEN,
        convened_at=now,
        opened_at=now,
    )
    member = CommitteeMember.objects.create(committee=committee, user=chair, role=MemberRole.CHAIR)
    review = Review.objects.create(
        session=session,
        startup=startup,
        status=ReviewStatus.VOTED,
        vote_opened_at=now,
        vote_closed_at=now,
    )
    Attendance.objects.create(session=session, member=member, present=True)
    Vote.objects.create(
        review=review, member=member, choice="refinance", amount=Decimal("240000"), months=6
    )
    return {
        "chair": chair,
        "review": review,
        "organisation": dgfip,
        "staff": UserFactory(email="staff@example.org", staff_of=incubator),
    }


@pytest.mark.today(DECEMBER_DAY)
def test_purchasing_notice_december_warning_and_order_steps(
    page, log_in, screenshot, assert_accessible, voted, mailoutbox
):
    today = timezone.localdate()
    assert today == datetime.date.fromisoformat(DECEMBER_DAY)
    # The staff set the sponsor's purchasing addresses: a bad line is named.
    log_in(voted["staff"])
    page.goto(reverse("startups:sponsor", args=["dgfip"]))
    page.get_by_role("link", name="Modifier les contacts achats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contacts achats : DGFiP")
    field = page.get_by_label("Adresses du service des achats")
    field.fill("achats@dgfip.gouv.fr\npas une adresse")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("Ligne 2 : « pas une adresse »")
    assert_accessible()
    field.fill("Achats@DGFiP.gouv.fr")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("main")).to_contain_text("achats@dgfip.gouv.fr")

    # The chair decides in December: the window closes on the 15th.
    log_in(voted["chair"])
    review = voted["review"]
    decide = reverse("committees:review-decide", args=[review.session_id, review.pk])
    page.goto(decide)
    warning = "La fenêtre des bons de commande ferme le 15/12/2026"
    expect(page.locator(".fr-alert--warning").first).to_contain_text(warning)
    screenshot("orders-decision-warning")
    assert_accessible()
    page.get_by_label("Début de la période").fill(DECEMBER_DAY)
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".fr-alert--warning").first).to_be_visible()
    page.goto(decide)
    expect(page.locator("main")).to_contain_text(warning)
    [notice] = mailoutbox
    assert notice.to == ["achats@dgfip.gouv.fr"] and warning in notice.body
    funding_round = FundingRound.objects.get(decision__review=review)
    assert funding_round.start == today and funding_round.purchasing_notified_at

    # Its period has begun without an order: late, on the staff's list.
    log_in(voted["staff"])
    page.goto("/")
    page.get_by_role("link", name="Commandes", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commandes en retard")
    expect(page.get_by_role("table")).to_contain_text("Mon Service")
    screenshot("orders-late-list")
    assert_accessible()
    page.get_by_role("link", name=funding_round.label).click()
    expect(page.locator("main")).to_contain_text("Commande en retard de 0 jour")
    assert_accessible()
    page.get_by_label("Bon de commande envoyé le").fill(DECEMBER_DAY)
    page.get_by_label("Référence du bon de commande").fill("BC-2026-118")
    page.get_by_role("button", name="Enregistrer le suivi de commande").click()
    expect(page.locator("main")).to_contain_text("référence BC-2026-118")
    # The invoice before the service done: refused next to the field.
    page.get_by_label("Facturé le").fill(DECEMBER_DAY)
    page.get_by_role("button", name="Enregistrer le suivi de commande").click()
    expect(page.locator("main")).to_contain_text("La facture suit le service fait.")
    assert_accessible()
    page.get_by_label("Service fait le").fill(DECEMBER_DAY)
    page.get_by_role("button", name="Enregistrer le suivi de commande").click()
    expect(page.locator("main")).to_contain_text("Suivi de commande enregistré.")
    screenshot("orders-round")
    assert_accessible()
    funding_round.refresh_from_db()
    assert funding_round.order_reference == "BC-2026-118"
    assert funding_round.service_done_on == funding_round.invoiced_on == today
    page.goto(reverse("committees:late-orders"))
    expect(page.locator("main")).to_contain_text("Aucune commande en retard.")
    assert mail.outbox == [notice]
