"""Where messages to citizens go: a transactional outbox in front of each channel's gateway.

Every message is first written to :class:`OutboxMessage`, in the same transaction as the change
it reports, and handed to its channel's gateway only once that transaction has committed. So a
change is never lost because an SMS provider failed, and no citizen is told of a change that was
rolled back. The request tries it once its change has committed; a message the gateway refused
stays in the outbox, and ``segl worker`` tries it again later (:mod:`segl.notify.delivery`).

A gateway has one method, ``send(message)``, which returns the provider's reference for the
message (for its delivery receipts) or None, raises :class:`Undeliverable` when the address is
gone for good, and raises anything else when the message may go through later. Each channel's
gateway is named by a setting (:mod:`segl.noticesettings`): e-mail by Django's mail framework
(:mod:`segl.notify.mail`), SMS by an HTTP provider (:mod:`segl.notify.sms`), the app's
notifications by Web Push (:mod:`segl.app.webpush`). The default, :class:`OutboxGateway`, sends
nothing further: the outbox is where the demo's phone and the tests read messages.

A message that carries a one-time secret (a temporary PIN code) says until when it is good
(``secret_until``). Its text is cleared as soon as a gateway has sent it on, is never sent once
it has run out, and ``segl purge`` clears what is left (:mod:`segl.notify.retention`). Only the
default gateway, whose outbox row is the message itself, leaves the text until then.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from segl.noticesettings import OUTBOX

from . import delivery
from .models import OutboxMessage
from .optout import opted_out


class Undeliverable(Exception):
    """The address is gone or refused for good: the message is not tried again."""


class Gateway(Protocol):
    def send(self, message: OutboxMessage) -> str | None: ...


class OutboxGateway:
    """Sends nothing: the outbox row is the message (the demo's phone, the tests)."""

    # The outbox row is what is read, so a secret's text stays until it runs out.
    outbox_only = True

    def send(self, message: OutboxMessage) -> str | None:
        return None


def gateway(channel: str) -> Gateway:
    """A new instance of the gateway the settings name for ``channel``."""
    gateways: dict[str, str] = getattr(settings, "SEGL_GATEWAYS", {})
    gateway_class: type[Gateway] = import_string(gateways.get(channel) or OUTBOX)
    return gateway_class()


def _queue(
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
    transaction.on_commit(partial(delivery.deliver, message.pk), robust=True)


def deliver_waiting(*, now: datetime) -> tuple[int, int]:
    """Try every message waiting now, those waiting after a refusal too (an operator's
    ``segl outbox --deliver``); returns (delivered, still waiting)."""
    delivered = 0
    while True:
        sent, _ = delivery.deliver_due(now=now, early=True, limit=1000)
        delivered += sent
        if sent < 1000:
            return delivered, delivery.waiting()


def send_sms(
    *, to: str, text: str, purpose: str, now: datetime, secret_until: datetime | None = None
) -> None:
    """An SMS; ``secret_until`` when the text holds a one-time secret good until then."""
    _queue(OutboxMessage.Channel.SMS, to, text, purpose, now, secret_until)


def send_letter(
    *, to: str, text: str, purpose: str, now: datetime, secret_until: datetime | None = None
) -> None:
    """A letter to a postal address (a real gateway hands it to a print-and-post or digital
    post provider); ``secret_until`` when it holds a one-time secret good until then."""
    _queue(OutboxMessage.Channel.LETTER, to, text, purpose, now, secret_until)


def send_email(
    *, to: str, text: str, purpose: str, now: datetime, secret_until: datetime | None = None
) -> None:
    """An e-mail. ``text`` is its Danish part, a blank line and its English part;
    :mod:`segl.notify.mail` makes the mail of it. Notices a citizen may switch off are not
    sent to an address that did (:mod:`segl.notify.optout`)."""
    if not opted_out(to, purpose):
        _queue(OutboxMessage.Channel.EMAIL, to, text, purpose, now, secret_until)


def send_push(*, to: str, payload: str, purpose: str, now: datetime) -> None:
    """A notification to one app (``to``: its key's thumbprint): ``payload`` is the JSON the
    app's service worker shows, and names no codes and no secrets (:mod:`segl.app.webpush`)."""
    _queue(OutboxMessage.Channel.PUSH, to, payload, purpose, now)
