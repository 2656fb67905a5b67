"""The transactional outbox: the workers' jobs that must not be lost, the e-mails.

`message_post(task, about=..., **kwargs)` writes a row in the transaction of the change that
asks for the job and relays it to the broker once that commits. If the broker does not answer,
the change still commits and the person still sees it done: the row waits ("envoi en attente")
and `outbox_relay` (Celery beat, every minute) relays it when the broker is back. A worker runs
a message once: `message_deliver` locks the row, runs the task's body and marks the row done in
the same transaction, so a message relayed twice does its work once. The one window left: a
worker that dies after the mail server took an e-mail and before its commit sends it again.

`publish` is the relay's one call to the broker, for the jobs whose own row is their outbox
(a document to render: `committees.tasks`).
"""

import datetime
import logging
from functools import partial

from celery import current_app
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from .models import OutboxMessage
from .tasks import deliver

logger = logging.getLogger(__name__)

# A message relayed this long ago and still not done was lost with its worker, or the mail
# server refused it: it is relayed again, up to MAX_RELAYS times, then kept with its error.
RELAY_AGAIN_AFTER = datetime.timedelta(minutes=5)
MAX_RELAYS = 10
# Done messages are kept this long, then deleted (they hold addresses).
KEEP_DONE = datetime.timedelta(days=30)
# When the relay last ran (a POSIX time, in the cache): Celery beat runs it every minute, so
# `/healthz` tells from it whether beat is alive.
RELAYED_AT = "outbox:relayed-at"


def publish(task, *args, **kwargs) -> bool:
    """Send the task to the broker, at once and without retrying; False if it does not answer."""
    try:
        task.apply_async(args, kwargs, retry=False)
    except BrokerUnavailable:
        logger.warning("Le broker ne répond pas : %s attend le prochain relais", task.name)
        return False
    return True


def message_post(task, *, about: str = "", **kwargs) -> OutboxMessage:
    """The job `task(**kwargs)`, sent once the current transaction commits, or later."""
    [message] = messages_post(task, [kwargs], about=about)
    return message


def messages_post(task, kwargs_list: list[dict], *, about: str = "") -> list[OutboxMessage]:
    """Several jobs of one task in one statement, relayed together once committed."""
    messages = OutboxMessage.objects.bulk_create(
        OutboxMessage(task=task.name, kwargs=kwargs, about=about) for kwargs in kwargs_list
    )
    if messages:
        transaction.on_commit(partial(messages_relay, [message.pk for message in messages]))
    return messages


def messages_relay(message_ids: list[int]) -> int:
    """Hand the messages to the broker, in order, until it refuses one; the number it took."""
    relayed = []
    for message_id in message_ids:
        if not publish(deliver, message_id):
            break
        relayed.append(message_id)
    OutboxMessage.objects.filter(pk__in=relayed).update(
        relayed_at=timezone.now(), relays=F("relays") + 1
    )
    return len(relayed)


def message_deliver(message_id: int) -> bool:
    """Run the message's task here, once: False if it is done or another worker runs it. An
    error is kept on the row and raised, for the task to retry."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, done_at=None)
                .first()
            )
            if message is None:
                return False
            current_app.tasks[message.task].run(**message.kwargs)
            OutboxMessage.objects.filter(pk=message_id).update(done_at=timezone.now(), error="")
    except Exception as error:
        OutboxMessage.objects.filter(pk=message_id).update(
            error=f"{type(error).__name__} : {error}"[:2000]
        )
        raise
    return True


def outbox_relay(*, now: datetime.datetime | None = None) -> int:
    """Relay what waits, oldest first: never relayed (the broker was away), or relayed long ago
    and not done. Stops at the first refusal: the broker is still away. The number relayed."""
    now = now or timezone.now()
    cache.set(RELAYED_AT, now.timestamp(), timeout=None)
    OutboxMessage.objects.filter(done_at__lt=now - KEEP_DONE).delete()
    waiting = OutboxMessage.objects.filter(
        Q(relayed_at=None) | Q(relayed_at__lt=now - RELAY_AGAIN_AFTER),
        done_at=None,
        relays__lt=MAX_RELAYS,
    )
    return messages_relay(
        list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)[:1000])
    )


def waiting(about: str) -> int:
    """How many of the jobs about this (`session:12`) have not reached the broker yet."""
    return OutboxMessage.objects.filter(about=about, relayed_at=None, done_at=None).count()


WAITING = (
    "Envoi en attente : le service d’envoi ne répond pas, les courriels partiront dès son retour."
)


def announce(request, *, about: str, done: str) -> None:
    """Tell the person that the change is done, once it commits (the request's transaction),
    with "envoi en attente" if the broker did not take its e-mails."""

    def say():
        if waiting(about):
            messages.warning(request, f"{done} {WAITING}")
        else:
            messages.success(request, done)

    transaction.on_commit(say)
