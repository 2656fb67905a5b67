from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, subject: str, message: str, html_message: str, recipient_list: list[str]) -> int:
    """Send one e-mail from a worker; a refused or unreachable mail server is retried."""
    return send_mail(subject, message, None, recipient_list, html_message=html_message)
