"""The committees' jobs: the Celery tasks, and the functions that queue them.

Every task takes ids and imports what it calls inside its body, so a module that queues a job
(a session convened, a session closed, a document asked for) imports this module and nothing
above it: the import graph has no loop (docs/architecture.md). The task names are
registered as `committees.tasks.<function>` and stay so: beat and the broker store them.
"""

from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from accounts.outbox import publish

from .enums import ACTIVE_DOCUMENT, DocumentKind, DocumentStatus
from .models import Document, Review, Session

# Worth another try: the database or the storage went away for a moment.
TRANSIENT = (OSError, OperationalError, InterfaceError)
# A document whose rendering was cut off this many times (a worker killed by the memory limit,
# say) is failed rather than handed to the next worker.
MAX_ATTEMPTS = 3
# How many times a message finding its document claimed by a live worker comes back later.
CLAIM_WAITS = 5


@shared_task
def send_report_reminders() -> int:
    """Every morning (CELERY_BEAT_SCHEDULE): the report reminders due today, each sent once
    however often it runs; the number of e-mails queued."""
    from .reports.reminders import reminders_send

    return reminders_send(today=timezone.localdate())


@shared_task
def apply_retention() -> dict[str, int]:
    """Every night: expired sign-in sessions deleted, old private notes erased
    (`retention.retention_apply`)."""
    from .retention import retention_apply

    return retention_apply()


@shared_task
def close_written_procedures() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): close the votes of the written procedures whose
    deadline passed; safe to run twice at once. The number closed."""
    from .sessions.written import close_due

    return close_due(now=timezone.now())


@shared_task
def send_vote_reminders() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE): remind the members who have not voted on a
    written procedure, once each procedure; the number of e-mails queued."""
    from .sessions.written import reminders_send

    return reminders_send(now=timezone.now())


@shared_task
def send_convocation(session_id: int) -> int:
    """The convocations of a convened session, with its calendar event; the number sent.
    Run by the outbox (`accounts.outbox`), which retries."""
    from .sessions.convocation import convocation_messages

    session = Session.objects.select_related("committee").filter(pk=session_id).first()
    if session is None or session.convened_at is None:
        return 0
    return get_connection().send_messages(convocation_messages(session)) or 0


@shared_task
def send_session_notice(session_id: int, sequence: int, changes: dict) -> int:
    """A convened session moved (`changes`: {field: [before, after]}) or cancelled: the
    updated invitation, or the cancellation, to everyone convened; the number sent. A notice
    overtaken by a later change (its `sequence` is not the session's) sends nothing: the
    later one tells the news."""
    from .sessions.convocation import notice_messages

    session = Session.objects.select_related("committee").filter(pk=session_id).first()
    if session is None or session.sequence != sequence:
        return 0
    return get_connection().send_messages(notice_messages(session, changes)) or 0


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS - 1)
def render_document(self, document_id: int) -> None:
    """Render one document (a dossier, a pack's part or merge, the minutes). Acknowledged once
    done, so a message whose worker died is delivered again; a transient error is retried,
    then fails the document with its reason."""
    from .documents.services import ClaimedElsewhere, document_fail, document_render

    try:
        document_render(document_id)
    except ClaimedElsewhere:
        # Delivered again after its worker died (or twice): come back once its claim is done,
        # or stale and free to take over.
        if self.request.retries < CLAIM_WAITS:
            raise self.retry(
                countdown=settings.DOCUMENT_CLAIM_TIMEOUT, max_retries=CLAIM_WAITS
            ) from None
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            document = Document.objects.select_related("review__startup").get(pk=document_id)
            document_fail(document, reason=f"Erreur répétée : {type(error).__name__} : {error}")
            return
        raise self.retry(exc=error, countdown=2**self.request.retries) from error


@shared_task
def recover_documents() -> int:
    """Every 15 s (CELERY_BEAT_SCHEDULE): queue again the documents no worker is doing."""
    from .documents.services import documents_recover

    return documents_recover()


def enqueue(document_id: int) -> None:
    """Send the document's task once committed. Its row is its outbox: if the broker does not
    answer, the row stays queued and `documents_recover` sends it again."""
    transaction.on_commit(partial(publish, render_document, document_id))


def active(*, session: Session, kind: str, review: Review | None) -> Document | None:
    return Document.objects.filter(
        session=session, kind=kind, review=review, pack=None, status__in=ACTIVE_DOCUMENT
    ).first()


@transaction.atomic
def document_request(
    *, session: Session, kind: str, review: Review | None = None, by=None
) -> Document:
    """Queue a fresh `kind` document of the session (of `review`, for a dossier); the one
    already under way if there is one, so a double click asks once."""
    if (kind == DocumentKind.DOSSIER) != (review is not None):
        raise ValidationError("Un dossier d’examen porte sur un passage, et lui seul.")
    if current := active(session=session, kind=kind, review=review):
        return current
    try:
        with transaction.atomic():
            if kind == DocumentKind.PACK:
                return pack_create(session=session, by=by)
            document = Document.objects.create(
                session=session, kind=kind, review=review, requested_by=by
            )
    except IntegrityError:
        return active(session=session, kind=kind, review=review)
    enqueue(document.pk)
    return document


def pack_create(*, session: Session, by) -> Document:
    """The pack waits while one worker per dossier renders its part."""
    reviews = list(session.reviews.order_by("position", "id"))
    pack = Document.objects.create(
        session=session,
        kind=DocumentKind.PACK,
        status=DocumentStatus.WAITING if reviews else DocumentStatus.QUEUED,
        requested_by=by,
    )
    parts = Document.objects.bulk_create(
        Document(session=session, kind=DocumentKind.DOSSIER, review=review, pack=pack)
        for review in reviews
    )
    for document_id in [part.pk for part in parts] or [pack.pk]:
        enqueue(document_id)
    return pack
