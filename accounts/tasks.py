"""The accounts' jobs: e-mails, and the outbox that carries every e-mail Comité sends.

The e-mail tasks are run by `deliver`, which takes an outbox row (`accounts.outbox`), and so
declare no retries of their own: `deliver` retries, and the relay hands a message out again.
"""

from celery import shared_task
from django.core.mail import send_mail


@shared_task
def send_email(*, subject: str, message: str, html_message: str, recipient_list: list[str]) -> int:
    """Send one e-mail."""
    return send_mail(subject, message, None, recipient_list, html_message=html_message)


@shared_task
def send_magic_link(*, email: str, base_url: str) -> bool:
    """Look the address up and e-mail its sign-in link, if an active account has it: in the
    worker, so that the request's answer is the same for a known and an unknown address."""
    from .services import magic_link_send  # services queue this task

    return magic_link_send(email=email, base_url=base_url)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def deliver(message_id: int) -> bool:
    """Run one outbox message; a refused or unreachable mail server is retried."""
    from .outbox import message_deliver

    return message_deliver(message_id)


@shared_task
def relay_outbox() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): hand the broker the messages that wait for it."""
    from .outbox import outbox_relay

    return outbox_relay()


@shared_task
def send_invitation(*, invitation_id: int) -> bool:
    """E-mail an invitation and its sign-in link."""
    from .invitations import invitation_email

    return invitation_email(invitation_id)
