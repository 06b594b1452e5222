"""Where messages to citizens go. A gateway has one method, ``send``; the one in use is named by
the setting ``SEGL_SMS_GATEWAY`` (a dotted path). The default writes to the outbox table; a real
deployment plugs in its SMS provider's client with the same method."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .models import OutboxMessage


class Gateway(Protocol):
    def send(self, *, channel: str, to: str, text: str, purpose: str, now: datetime) -> None: ...


class OutboxGateway:
    """Keeps every message in :class:`OutboxMessage` (the demo's and the tests' phone)."""

    def send(self, *, channel: str, to: str, text: str, purpose: str, now: datetime) -> None:
        OutboxMessage.objects.create(
            channel=channel, to=to, text=text, purpose=purpose, created_at=now
        )


def gateway() -> Gateway:
    path = getattr(settings, "SEGL_SMS_GATEWAY", "segl.notify.gateways.OutboxGateway")
    gateway_class: type[Gateway] = import_string(path)
    return gateway_class()


def send_sms(*, to: str, text: str, purpose: str, now: datetime) -> None:
    gateway().send(channel=OutboxMessage.Channel.SMS, to=to, text=text, purpose=purpose, now=now)


def send_email(*, to: str, text: str, purpose: str, now: datetime) -> None:
    """An e-mail through the same gateway (a real one sends it with its provider)."""
    gateway().send(channel=OutboxMessage.Channel.EMAIL, to=to, text=text, purpose=purpose, now=now)
