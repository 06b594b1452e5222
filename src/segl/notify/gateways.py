"""Where messages to citizens go: a transactional outbox in front of a gateway.

Every message is first written to :class:`OutboxMessage`, in the same transaction as the change
it reports, and handed to the gateway only once that transaction has committed. So a change is
never lost because an SMS provider failed, and no citizen is told of a change that was rolled
back. A message the gateway refused stays in the outbox and ``segl outbox deliver`` tries it
again.

A gateway has one method, ``send``; the one in use is named by the setting ``SEGL_SMS_GATEWAY``
(a dotted path). The default sends nothing further: the outbox is where the demo's phone and
the tests read messages. A real deployment plugs in its SMS, e-mail and letter providers' clients.

A message that carries a one-time secret (a temporary PIN code) says until when it is good
(``secret_until``). Its text is cleared as soon as a gateway has sent it on, is never sent once
it has run out, and ``segl purge`` clears what is left (:mod:`segl.notify.retention`). Only the
default gateway, whose outbox row is the message itself, leaves the text until then.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import import_string

from segl import clock

from .models import OutboxMessage

MAX_ATTEMPTS = 5
log = logging.getLogger(__name__)


class Gateway(Protocol):
    def send(self, *, channel: str, to: str, text: str, purpose: str, now: datetime) -> None: ...


class OutboxGateway:
    """Sends nothing: the outbox row is the message (the demo's phone, the tests)."""

    # The outbox row is what is read, so a secret's text stays until it runs out.
    outbox_only = True

    def send(self, *, channel: str, to: str, text: str, purpose: str, now: datetime) -> None:
        return None


def gateway() -> Gateway:
    path = getattr(settings, "SEGL_SMS_GATEWAY", "segl.notify.gateways.OutboxGateway")
    gateway_class: type[Gateway] = import_string(path)
    return gateway_class()


def _queue(
    *,
    channel: str,
    to: str,
    text: str,
    purpose: str,
    now: datetime,
    secret_until: datetime | None = None,
) -> None:
    message = OutboxMessage.objects.create(
        channel=channel,
        to=to,
        text=text,
        purpose=purpose,
        created_at=now,
        secret_until=secret_until,
    )
    # robust: a gateway's failure is logged and kept on the message, never raised into the
    # request whose change has already committed.
    transaction.on_commit(partial(deliver, message.pk), robust=True)


def deliver(message_id: int) -> bool:
    """Hand one waiting message to the gateway; True if it took it."""
    message = OutboxMessage.objects.filter(pk=message_id, sent_at=None).first()
    if message is None:
        return False
    if message.secret_until is not None and message.secret_until <= clock.now():
        return False  # a secret that has run out is of no use to anyone: never send it
    carrier = gateway()
    try:
        carrier.send(
            channel=message.channel,
            to=message.to,
            text=message.text,
            purpose=message.purpose,
            now=message.created_at,
        )
    except Exception as exc:  # any provider error: keep the message for a retry
        log.warning("gateway refused message %s: %s", message.pk, exc)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, error=str(exc)[:200]
        )
        return False
    sent = OutboxMessage.objects.filter(pk=message.pk)
    sent.update(sent_at=clock.now(), attempts=F("attempts") + 1, error="")
    if message.secret_until is not None and not getattr(carrier, "outbox_only", False):
        sent.update(text="")  # on its way to the citizen: no copy of the secret stays here
    return True


def deliver_waiting(*, now: datetime, max_age: timedelta = timedelta(days=1)) -> tuple[int, int]:
    """Try again every message still waiting (younger than ``max_age``, fewer than
    ``MAX_ATTEMPTS`` tries); returns (delivered, still waiting)."""
    waiting = (
        OutboxMessage.objects.filter(
            channel__in=[
                OutboxMessage.Channel.SMS,
                OutboxMessage.Channel.EMAIL,
                OutboxMessage.Channel.LETTER,
            ],
            sent_at=None,
            attempts__lt=MAX_ATTEMPTS,
            created_at__gte=now - max_age,
        )
        .exclude(secret_until__lte=now)
        .order_by("pk")
    )
    delivered = failed = 0
    for pk in list(waiting.values_list("pk", flat=True)):
        if deliver(pk):
            delivered += 1
        else:
            failed += 1
    return delivered, failed


def send_sms(
    *, to: str, text: str, purpose: str, now: datetime, secret_until: datetime | None = None
) -> None:
    """An SMS; ``secret_until`` when the text holds a one-time secret good until then."""
    _queue(
        channel=OutboxMessage.Channel.SMS,
        to=to,
        text=text,
        purpose=purpose,
        now=now,
        secret_until=secret_until,
    )


def send_letter(
    *, to: str, text: str, purpose: str, now: datetime, secret_until: datetime | None = None
) -> None:
    """A letter to a postal address (a real gateway hands it to a print-and-post or digital
    post provider); ``secret_until`` when it holds a one-time secret good until then."""
    _queue(
        channel=OutboxMessage.Channel.LETTER,
        to=to,
        text=text,
        purpose=purpose,
        now=now,
        secret_until=secret_until,
    )


def send_email(*, to: str, text: str, purpose: str, now: datetime) -> None:
    """An e-mail through the same gateway (a real one sends it with its provider)."""
    _queue(channel=OutboxMessage.Channel.EMAIL, to=to, text=text, purpose=purpose, now=now)
