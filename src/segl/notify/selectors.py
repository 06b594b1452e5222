"""Reading the outbox: what segl sent through the default gateways."""

from __future__ import annotations

from typing import Any

from .models import OutboxMessage


def outbox_messages(*, to: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The newest messages first (only those to ``to``, when given)."""
    found = OutboxMessage.objects.order_by("-id")
    if to:
        found = found.filter(to=to)
    return [
        {
            "to": m.to,
            "channel": m.channel,
            "purpose": m.purpose,
            "text": m.text,
            "at": m.created_at,
            "error": m.error,
        }
        for m in found[:limit]
    ]


def dead_messages(*, limit: int = 100) -> list[dict[str, Any]]:
    """The messages refused at every try (segl.notify.delivery), the latest first."""
    return [
        {"id": m.pk, "channel": m.channel, "to": m.to, "purpose": m.purpose,
         "attempts": m.attempts, "error": m.error, "dead_at": m.dead_at}
        for m in OutboxMessage.objects.exclude(dead_at=None).order_by("-dead_at")[:limit]
    ]  # fmt: skip
