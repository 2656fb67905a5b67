from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, subject: str, message: str, html_message: str, recipient_list: list[str]) -> int:
    """Send one e-mail from a worker; a refused or unreachable mail server is retried."""
    return send_mail(subject, message, None, recipient_list, html_message=html_message)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_magic_link(*, email: str, base_url: str) -> bool:
    """Look the address up and e-mail its sign-in link, if an active account has it: in the
    worker, so that the request's answer is the same for a known and an unknown address."""
    from .services import magic_link_send  # services queue this task

    return magic_link_send(email=email, base_url=base_url)
