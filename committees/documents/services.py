"""PDF documents as jobs: asked for on a page, rendered by Celery workers, read by those allowed.

A request creates a `Document` row and queues its task once committed. A worker claims the row
with a conditional UPDATE (queued, or rendering with a stale claim) that stamps a fresh token,
renders while a heartbeat refreshes its claim, stores the file through Django's storage, and
marks it done only if it still holds the token: a document rendered twice keeps one file. A
worker killed in the middle leaves a claim whose heartbeat stops: it goes stale after
DOCUMENT_CLAIM_TIMEOUT (30 s), `documents_recover` (every 15 s, Celery beat) queues such rows
again, as it does rows whose message never reached a worker, and another worker takes them
over; a message delivered again after its worker died waits for the claim to go stale and takes
it over itself. Staff can relaunch a stuck document at once. A session pack is rendered in
parallel: one part per dossier, then the last part to finish queues the pack, whose task merges
the parts behind a cover, the agenda and a table of contents that name the right pages.

Each document stores a fingerprint of what it shows; `fingerprints(session)` recomputes them in
two queries, so a page tells which documents are out of date.
"""

import datetime
import hashlib
import logging
import threading
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from comite.french import de
from metrics.models import BudgetLine, Measurement, MetricDefinition, Objective
from startups.models import Contribution, FundingRound, Phase, Startup

from ..enums import ACTIVE_DOCUMENT, DocumentKind, DocumentStatus
from ..models import (
    QUEUED_LOST_AFTER,
    Assessment,
    Attendance,
    Decision,
    Document,
    Question,
    ReportVersion,
    Review,
    Session,
    Vote,
    Voter,
    claim_timeout,
)
from ..tasks import MAX_ATTEMPTS, TRANSIENT, enqueue
from . import pdf

logger = logging.getLogger(__name__)


def claim(document_id: int, token: uuid.UUID) -> bool:
    """Take the document for this worker: queued, or rendering by a worker gone silent."""
    now = timezone.now()
    free = Q(status=DocumentStatus.QUEUED) | Q(
        status=DocumentStatus.RENDERING, claimed_at__lt=now - claim_timeout()
    )
    return bool(
        Document.objects.filter(free, pk=document_id, attempts__lt=MAX_ATTEMPTS).update(
            status=DocumentStatus.RENDERING, claim=token, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def held(document: Document, token: uuid.UUID):
    return Document.objects.filter(pk=document.pk, status=DocumentStatus.RENDERING, claim=token)


@contextmanager
def heartbeat(document_id: int, token: uuid.UUID):
    """Refresh the claim every third of DOCUMENT_CLAIM_TIMEOUT while the block runs, from a
    thread of its own (WeasyPrint holds this one), so a claim goes stale only when its worker
    died. Inside a transaction (a job run in the request, in development) the claim is not
    committed, nobody else can see it, and there is nothing to refresh."""
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.DOCUMENT_CLAIM_TIMEOUT / 3):
                Document.objects.filter(pk=document_id, claim=token).update(
                    claimed_at=timezone.now()
                )
        except Exception:
            logger.exception("Battement du document %s impossible", document_id)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat-{document_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class ClaimedElsewhere(Exception):
    """Another worker holds the document's claim, and its heartbeat is still fresh."""


def document_render(document_id: int) -> None:
    """The task's work: claim, render, store; nothing if it is done or failed for good.
    `ClaimedElsewhere` if another worker holds a fresh claim: the task waits for it to finish
    or go stale. A transient error gives the document back to the queue and is raised for the
    task to retry; any other error fails the document with its reason."""
    token = uuid.uuid4()
    if not claim(document_id, token):
        if Document.objects.filter(pk=document_id, status=DocumentStatus.RENDERING).exists():
            raise ClaimedElsewhere
        return
    document = Document.objects.select_related("session__committee", "review__startup", "pack").get(
        pk=document_id
    )
    try:
        inputs = fingerprints(document.session)[key(document)]
        with heartbeat(document.pk, token):
            made = build(document)
    except TRANSIENT:
        held(document, token).update(status=DocumentStatus.QUEUED, claim=None)
        raise
    except Exception as error:
        logger.exception("Rendu du document %s impossible", document.pk)
        document_fail(document, token=token, reason=f"{type(error).__name__} : {error}")
        return
    finish(document, token, made, inputs)


def build(document: Document) -> pdf.Pdf:
    from .dossiers import dossier_html, minutes_html

    match document.kind:
        case DocumentKind.DOSSIER:
            in_pack = document.pack_id is not None
            return pdf.render(dossier_html(document.review, in_pack=in_pack), tagged=not in_pack)
        case DocumentKind.MINUTES:
            return pdf.render(minutes_html(document.session))
        case DocumentKind.PACK:
            return pack_merge(document)


def pack_merge(pack: Document) -> pdf.Pdf:
    """The front matter, whose table of contents needs the page each dossier starts on, which
    needs the length of the front matter: rendered again until its length settles."""
    from .dossiers import pack_front_html, pack_title

    parts = list(
        pack.parts.select_related("review__startup").order_by("review__position", "review_id")
    )
    contents = [read(part) for part in parts]
    front_pages = 2 + len(parts) // 15  # a cover, then the agenda and contents: a good guess
    for _ in range(3):
        starts, page = [], front_pages + 1
        for part in parts:
            starts.append((part.review, page))
            page += part.pages
        front = pdf.render(pack_front_html(pack.session, starts), tagged=False)
        if front.pages == front_pages:
            break
        front_pages = front.pages
    # The cover is the first page; the agenda starts on the second.
    outline = [("Ordre du jour", 1)] + [(r.startup.name, start - 1) for r, start in starts]
    return pdf.assemble([front.data, *contents], title=pack_title(pack.session), outline=outline)


def read(document: Document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def finish(document: Document, token: uuid.UUID, made: pdf.Pdf, inputs: str) -> None:
    document.file.save("document.pdf", ContentFile(made.data), save=False)
    done = held(document, token).update(
        status=DocumentStatus.DONE,
        file=document.file.name,
        pages=made.pages,
        inputs=inputs,
        finished_at=timezone.now(),
        error="",
    )
    if not done:  # taken over meanwhile: the other worker's file is the one
        document.file.delete(save=False)
        return
    if document.pack_id:
        pack_advance(document.pack_id)
    else:
        superseded(document)


def superseded(document: Document) -> None:
    """Once a document is made again, the earlier ones and the parts of packs go, files too."""
    older = Document.objects.filter(
        kind=document.kind, session=document.session, review=document.review, pack=None
    ).exclude(Q(status__in=ACTIVE_DOCUMENT) | Q(pk__gte=document.pk))
    gone = Document.objects.filter(Q(pk__in=older) | Q(pack__in=older) | Q(pack=document))
    for old in gone.exclude(file=""):
        old.file.delete(save=False)
    gone.delete()


def pack_advance(pack_id: int) -> None:
    """Queue the pack once every part is done (one caller wins the conditional UPDATE)."""
    unfinished = Document.objects.filter(pack=OuterRef("pk")).exclude(status=DocumentStatus.DONE)
    ready = Document.objects.filter(pk=pack_id, status=DocumentStatus.WAITING).exclude(
        Exists(unfinished)
    )
    if ready.update(status=DocumentStatus.QUEUED, enqueued_at=timezone.now()):
        enqueue(pack_id)


def document_fail(document: Document, *, token: uuid.UUID | None = None, reason: str) -> None:
    """Failed with its reason (a part fails its pack); `token`: only if still held."""
    rows = held(document, token) if token else Document.objects.filter(pk=document.pk)
    if not rows.update(status=DocumentStatus.FAILED, claim=None, error=reason[:2000]):
        return
    if document.pack_id:
        startup = document.review.startup.name
        Document.objects.filter(pk=document.pack_id, status=DocumentStatus.WAITING).update(
            status=DocumentStatus.FAILED, error=f"Dossier {de(startup)} : {reason}"[:2000]
        )


@transaction.atomic
def document_retry(*, document: Document) -> Document:
    """A failed document queued again, a pack's failed parts too; a stuck one (`Document.stuck`)
    queued again at once, without waiting for the beat to take it over."""
    now = timezone.now()
    if document.stuck:
        stuck = Document.objects.filter(
            pk=document.pk, status=document.status, claim=document.claim
        )
        if stuck.update(status=DocumentStatus.QUEUED, claim=None, enqueued_at=now):
            enqueue(document.pk)
        document.refresh_from_db()
        return document
    again = {"error": "", "claim": None, "attempts": 0, "enqueued_at": now}
    if document.kind == DocumentKind.PACK:
        failed_parts = list(
            document.parts.filter(status=DocumentStatus.FAILED).values_list("pk", flat=True)
        )
        retried = Document.objects.filter(pk=document.pk, status=DocumentStatus.FAILED)
        status = DocumentStatus.WAITING if document.parts.exists() else DocumentStatus.QUEUED
        if not retried.update(status=status, requested_at=now, **again):
            return document
        Document.objects.filter(pk__in=failed_parts).update(status=DocumentStatus.QUEUED, **again)
        for part_id in failed_parts:
            enqueue(part_id)
        if status == DocumentStatus.WAITING:
            transaction.on_commit(lambda: pack_advance(document.pk))
        else:
            enqueue(document.pk)
    elif Document.objects.filter(pk=document.pk, status=DocumentStatus.FAILED).update(
        status=DocumentStatus.QUEUED, requested_at=now, **again
    ):
        enqueue(document.pk)
    document.refresh_from_db()
    return document


def documents_recover(*, now: datetime.datetime | None = None) -> int:
    """Queue again what no worker is doing: rows queued long ago (their message was lost),
    claims gone stale (their worker died), packs whose parts are all done; fail what was cut
    off MAX_ATTEMPTS times. The number of documents queued again."""
    now = now or timezone.now()
    stale = now - claim_timeout()
    lost = Q(status=DocumentStatus.QUEUED, enqueued_at__lt=now - QUEUED_LOST_AFTER) | Q(
        status=DocumentStatus.RENDERING, claimed_at__lt=stale
    )
    for document in Document.objects.filter(lost, attempts__gte=MAX_ATTEMPTS).select_related(
        "review__startup"
    ):
        document_fail(
            document, reason=f"Le rendu a été interrompu {MAX_ATTEMPTS} fois (délai dépassé)."
        )
    ids = list(Document.objects.filter(lost).values_list("pk", flat=True))
    Document.objects.filter(pk__in=ids).update(enqueued_at=now)
    for document_id in ids:
        enqueue(document_id)
    waiting = Document.objects.filter(status=DocumentStatus.WAITING, enqueued_at__lt=stale)
    for pack_id in waiting.values_list("pk", flat=True):
        pack_advance(pack_id)
    return len(ids)


# What each document shows, summed up per agenda item: a change in any of these makes the
# documents that show it out of date.
def marker(queryset, link: str, aggregate, outer: str = "startup") -> Subquery:
    per_row = queryset.filter(**{link: OuterRef(outer)}).order_by().values(link)
    return Subquery(per_row.annotate(value=aggregate).values("value")[:1])


REVIEW_MARKERS = {
    "measured": (Measurement.objects, "metric__startup", Max("updated_at")),
    "measurements": (Measurement.objects, "metric__startup", Count("id")),
    "objectives": (Objective.objects, "metric__startup", Max("id")),
    "reports": (ReportVersion.objects, "report__startup", Max("submitted_at")),
    "report_reviews": (ReportVersion.objects, "report__startup", Max("reviewed_at")),
    "decisions": (Decision.objects, "review__startup", Max("id")),
    "rounds": (FundingRound.objects, "startup", Sum("amount_granted")),
    "round_ids": (FundingRound.objects, "startup", Max("id")),
    "spent": (FundingRound.objects, "startup", Sum("amount_spent")),
    "budget": (BudgetLine.objects, "startup", Sum("paid")),
    "budget_committed": (BudgetLine.objects, "startup", Sum("committed")),
    "phases": (Phase.objects, "startup", Max("start")),
    "definitions": (MetricDefinition.objects, "metric__startup", Max("id")),
    "contributions": (Contribution.objects, "funding_round__startup", Sum("amount")),
    "sponsors": (Startup.sponsors.through.objects, "startup", Count("id")),
    "assessed": (Assessment.objects, "review", Max("updated_at"), "pk"),
    "votes": (Vote.objects, "review", Count("id"), "pk"),
    "voters": (Voter.objects, "review", Count("id"), "pk"),
    "questions": (Question.objects, "review", Count("id"), "pk"),
    "answered": (Question.objects, "review", Max("answered_at"), "pk"),
}
REVIEW_FIELDS = (
    "pk",
    "position",
    "duration_minutes",
    "status",
    "requested_amount",
    "requested_months",
    "recommendation",
    "startup__name",
    "startup__pitch",
    "startup__current_phase",
    "startup__accessibility_status",
    "startup__risk_analysis",
    "startup__secure_service",
)


def digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def key(document: Document) -> tuple[str, int | None]:
    return (document.kind, document.review_id)


def fingerprints(session: Session) -> dict[tuple[str, int | None], str]:
    """The fingerprint of each document of the session as it would be made now, by
    `(kind, review id or None)`: two queries whatever the size of the agenda."""
    annotations = {f"marker_{name}": marker(*spec) for name, spec in REVIEW_MARKERS.items()}
    rows = list(
        Review.objects.filter(session=session)
        .order_by("position", "id")
        .annotate(**annotations)
        .values_list(*REVIEW_FIELDS, *annotations)
    )
    attendance = Attendance.objects.filter(session=session).aggregate(
        at=Max("updated_at"), count=Count("id"), present=Count("id", filter=Q(present=True))
    )
    closed = session.closed_at and session.closed_at.timestamp()
    base = (str(session.status), session.starts_at.timestamp(), session.place, closed)
    result = {(DocumentKind.DOSSIER, row[0]): digest(base, row) for row in rows}
    result[(DocumentKind.PACK, None)] = digest(base, rows)
    result[(DocumentKind.MINUTES, None)] = digest(base, rows, attendance)
    return result
