from celery import shared_task
from django.core.mail import get_connection
from django.utils import timezone

from .convocation import convocation_messages
from .models import Session
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
