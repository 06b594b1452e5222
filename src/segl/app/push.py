"""Telling an app that something happened (a login waits, it was copied to a new phone).

The app learns of waiting logins by long-polling the API; a real push service (Web Push, or a
phone maker's) plugs in here as a class with ``notify``, named by the setting
``SEGL_PUSH_ADAPTER`` (a dotted path). The default keeps each notification in the outbox, where
the demo shows it and tests read it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from segl import clock
from segl.notify.models import OutboxMessage

if TYPE_CHECKING:
    from .models import AppInstance


class PushAdapter(Protocol):
    def notify(self, instance: AppInstance, event: str, data: dict[str, Any]) -> None: ...


class OutboxPush:
    def notify(self, instance: AppInstance, event: str, data: dict[str, Any]) -> None:
        OutboxMessage.objects.create(
            channel=OutboxMessage.Channel.PUSH,
            to=instance.thumbprint,
            text=json.dumps({"event": event, **data}),
            purpose=event,
            created_at=clock.now(),
        )


def push() -> PushAdapter:
    path = getattr(settings, "SEGL_PUSH_ADAPTER", "segl.app.push.OutboxPush")
    adapter_class: type[PushAdapter] = import_string(path)
    return adapter_class()
