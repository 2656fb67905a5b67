"""Asking for the session pack in a real browser: the progress shows without a reload, then the
download link; axe-core on the page in each state. (Tasks run in the web process here: the
real worker path is tested in tests/committees/test_documents_worker.py.)"""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import OutboxMessage
from committees.enums import DocumentKind
from committees.models import Document


def test_staff_make_the_pack_and_download_it_without_a_reload(
    page, log_in, screenshot, assert_accessible, agenda, live_server
):
    log_in(agenda["staff"])
    page.goto(f"/seances/{agenda['session'].pk}/")
    assert_accessible()
    page.evaluate("window.notReloaded = true")
    panel = page.locator("#document-pack")
    expect(panel).to_contain_text("Pas encore produit")

    panel.get_by_role("button", name="Produire le PDF").click()

    link = panel.get_by_role("link", name="Télécharger les dossiers de séance")
    expect(link).to_be_visible(timeout=30_000)
    assert page.evaluate("window.notReloaded") is True
    pack = Document.objects.get(kind="pack")
    expect(link).to_contain_text(f"PDF, {pack.pages} pages")
    screenshot("session-documents")
    assert_accessible()
    response = page.request.get(link.get_attribute("href"))  # with the browser's session
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_a_stuck_pack_and_waiting_emails_are_said_and_the_pack_relaunched(
    page, log_in, screenshot, assert_accessible, agenda
):
    session = agenda["session"]
    long_ago = timezone.now() - datetime.timedelta(minutes=2)
    Document.objects.create(session=session, kind=DocumentKind.PACK, enqueued_at=long_ago)
    OutboxMessage.objects.create(task="accounts.tasks.send_email", about=session.outbox_about)
    log_in(agenda["staff"])
    page.goto(f"/seances/{session.pk}/")
    expect(page.get_by_text("Envoi en attente : les courriels de cette séance")).to_be_visible()
    panel = page.locator("#document-pack")
    expect(panel).to_contain_text("Plus aucun service de rendu ne le traite")
    screenshot("session-stuck-and-waiting")
    assert_accessible()

    panel.get_by_role("button", name="Relancer").click()
    link = panel.get_by_role("link", name="Télécharger les dossiers de séance")
    expect(link).to_be_visible(timeout=30_000)
    assert_accessible()
