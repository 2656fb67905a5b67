"""The document job path with real Celery workers on Redis, reading the test database on
PostgreSQL: a pack asked for on the web, rendered in parallel and merged by a worker, then
downloaded; and a worker killed in the middle of a rendering, whose job another one finishes."""

import os
import signal
import time
from io import BytesIO

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from committees.documents import services as documents
from committees.enums import DocumentKind, DocumentStatus, MemberRole
from committees.models import CommitteeMember, Document, Review
from committees.tasks import render_document
from tests.committees.reports import submitted_report
from tests.conftest import start_worker, stop_worker
from tests.factories import MetricFactory, StartupFactory, add_measurements

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="a worker process cannot read SQLite's in-memory test database",
    ),
]


@pytest.fixture
def shared_media(settings, celery_worker):
    settings.MEDIA_ROOT = celery_worker.media
    return celery_worker.media


@pytest.fixture
def agenda(session, startup, incubator, intrapreneur, sponsor):
    CommitteeMember.objects.create(committee=session.committee, user=sponsor, role=MemberRole.CHAIR)
    submitted_report(startup, intrapreneur)
    add_measurements(
        MetricFactory(startup=startup, label="Dossiers déposés"),
        {f"2025-{month:02}": 100 * month for month in range(1, 13)},
    )
    for position, name in enumerate(["Aides Jeunes", "Mon Suivi Justice"], start=1):
        Review.objects.create(
            session=session,
            startup=StartupFactory(name=name, incubator=incubator),
            position=position,
        )
    return list(session.reviews.select_related("startup").order_by("position"))


def wait_for(document: Document, *statuses, timeout: float = 60) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.status in statuses:
            return document
        time.sleep(0.005)
    raise AssertionError(f"{document} still {document.status} after {timeout} s")


def test_a_pack_asked_for_on_the_web_is_rendered_by_a_worker_and_downloaded(
    real_worker, shared_media, agenda, session, staff, client
):
    client.force_login(staff)
    response = client.post(
        reverse("committees:document-request", args=[session.pk, DocumentKind.PACK]),
        headers={"HX-Request": "true"},
    )
    assert "Rendu des dossiers" in response.content.decode()

    pack = wait_for(Document.objects.get(kind=DocumentKind.PACK), DocumentStatus.DONE)
    status = client.get(
        reverse("committees:document-status", args=[pack.pk]), headers={"HX-Request": "true"}
    )
    assert status.status_code == 286
    download = client.get(reverse("committees:document-download", args=[pack.pk]))
    pages = PdfReader(BytesIO(b"".join(download.streaming_content))).pages
    assert len(pages) == pack.pages
    assert f"Page {pack.pages} sur {pack.pages}" in pages[-1].extract_text()
    assert [path.name for path in (shared_media / "documents").iterdir()] == [
        os.path.basename(pack.file.name)
    ]


def test_a_worker_killed_while_rendering_leaves_a_job_another_worker_finishes(
    real_worker, shared_media, agenda, session, settings
):
    settings.DOCUMENT_CLAIM_TIMEOUT = 2  # the victim's heartbeat beats every 2/3 s
    document = Document.objects.create(session=session, kind=DocumentKind.DOSSIER, review=agenda[0])
    victim = start_worker(
        real_worker.env | {"DOCUMENT_CLAIM_TIMEOUT": "2"}, queue="documents-victim"
    )
    try:
        render_document.apply_async((document.pk,), queue="documents-victim")
        wait_for(document, DocumentStatus.RENDERING, DocumentStatus.DONE, timeout=30)
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        stop_worker(victim)
    document.refresh_from_db()
    assert (document.status, document.file.name) == (DocumentStatus.RENDERING, "")

    # Until its heartbeat has been silent for the timeout, the worker might be alive: nothing is
    # queued again. Then the recovery (what beat runs every 15 s) hands it to another worker.
    assert documents.documents_recover() == 0
    while documents.documents_recover() == 0:
        assert time.monotonic() - killed_at < 10, "the dead worker's claim never went stale"
        time.sleep(0.2)
    assert time.monotonic() - killed_at >= 1

    wait_for(document, DocumentStatus.DONE)
    assert document.attempts == 2
    with document.file.open("rb") as file:
        assert agenda[0].startup.name in PdfReader(file).pages[0].extract_text()
