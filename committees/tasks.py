from celery import shared_task
from django.core.mail import get_connection
from django.utils import timezone

from .convocation import convocation_messages
from .documents import MAX_ATTEMPTS, TRANSIENT, document_fail, document_render, documents_recover
from .models import Document, Session
from .reminders import reminders_send


@shared_task
def send_report_reminders() -> int:
    """Every morning (CELERY_BEAT_SCHEDULE): the report reminders due today, each sent once
    however often it runs; the number of e-mails queued."""
    return reminders_send(today=timezone.localdate())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_convocation(session_id: int) -> int:
    """The convocations of a convened session, with its calendar event; the number sent."""
    session = Session.objects.select_related("committee").filter(pk=session_id).first()
    if session is None or session.convened_at is None:
        return 0
    return get_connection().send_messages(convocation_messages(session)) or 0


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS - 1)
def render_document(self, document_id: int) -> None:
    """Render one document (a dossier, a pack's part or merge, the minutes). Acknowledged once
    done, so a message whose worker died is delivered again; a transient error is retried,
    then fails the document with its reason."""
    try:
        document_render(document_id)
    except TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            document = Document.objects.select_related("review__startup").get(pk=document_id)
            document_fail(document, reason=f"Erreur répétée : {type(error).__name__} : {error}")
            return
        raise self.retry(exc=error, countdown=2**self.request.retries) from error


@shared_task
def recover_documents() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): queue again the documents no worker is doing."""
    return documents_recover()
