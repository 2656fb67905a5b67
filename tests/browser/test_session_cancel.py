"""Staff move a convened session, then cancel it, through its page: everyone convened gets the
updated invitation, then the cancellation, and the page says the session is cancelled."""

from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from committees.enums import MemberRole
from committees.models import CommitteeMember
from tests.committees.test_sessions import unfold
from tests.factories import SessionFactory, UserFactory


def test_staff_move_then_cancel_a_convened_session(
    page, log_in, assert_accessible, screenshot, agenda
):
    session = agenda["session"]
    SessionFactory.set_state(session, convened=True)
    member = UserFactory(email="membre@example.org")
    CommitteeMember.objects.create(committee=session.committee, user=member, role=MemberRole.VOTER)
    log_in(agenda["staff"])
    page.goto(reverse("committees:session", args=[session.pk]))
    page.get_by_role("link", name="Modifier la date ou le lieu").click()
    page.get_by_label("Lieu").fill("Ségur, salle 5001")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_text("Séance modifiée.")).to_be_visible()
    moved = [m for m in mail.outbox if m.subject.startswith("Séance modifiée")]
    assert moved and all(unfold(m.attachments[0][1])["SEQUENCE"] == "1" for m in moved)

    page.get_by_text("Annuler la séance", exact=True).first.click()
    page.get_by_label("Motif de l’annulation").fill("Le comité se tiendra en janvier")
    page.get_by_role("button", name="Annuler la séance").click()
    expect(page.get_by_role("heading", name="Séance annulée le")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Le comité se tiendra en janvier")
    screenshot("session-cancelled")
    assert_accessible()
    cancelled = [m for m in mail.outbox if m.subject.startswith("Séance annulée")]
    assert {m.to[0] for m in cancelled} >= {"membre@example.org"}
    props = unfold(cancelled[0].attachments[0][1])
    assert props["METHOD"] == "CANCEL" and props["SEQUENCE"] == "2"
