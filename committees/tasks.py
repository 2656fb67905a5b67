from celery import shared_task
from django.utils import timezone

from .reminders import reminders_send


@shared_task
def send_report_reminders() -> int:
    """Every morning (CELERY_BEAT_SCHEDULE): the report reminders due today, each sent once
    however often it runs; the number of e-mails queued."""
    return reminders_send(today=timezone.localdate())
