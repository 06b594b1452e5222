"""Sending what waits in the outbox, once each, however many senders run (decision 41).

A message is sent by whoever *claims* it first: one ``UPDATE`` that sets ``claimed_until`` and
``claimed_by`` on a row that is due and not claimed. The database lets one such ``UPDATE`` win
for a row (PostgreSQL re-checks the row after the first one commits; SQLite writes one at a
time), so the request that wrote the message and any number of ``segl worker`` processes may
try it at once and only one sends it. The claim is a lease: a sender that dies while sending
leaves a claim that runs out after ``LEASE``, and the message is tried again then.

A message the gateway refused is tried again after a wait that doubles each time (30 s, 1 min,
2 min … at most an hour); after ``MAX_ATTEMPTS`` tries it is *dead*: kept, shown by
``segl outbox --dead``, and tried again only when an operator says so (``segl outbox --retry``).
A message whose address the gateway says is gone for good (``Undeliverable``: a push
subscription the push service no longer knows, a number the SMS provider refuses) is dead at
once.
A message whose one-time secret has run out is never sent. Each channel is sent at most
``SEGL_OUTBOX_PER_MINUTE`` messages a minute, counted for all senders together (the shared rate
limits, segl.http); what is over waits for the next minute.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q

from segl import clock
from segl.http import hit

from .models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=2)
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
# This process's name on its claims.
SENDER = secrets.token_hex(8)


def wait_after(attempts: int) -> timedelta:
    """How long a message waits after its ``attempts``-th refusal."""
    wait: timedelta = FIRST_WAIT * 2 ** (attempts - 1)
    return min(wait, LONGEST_WAIT)


def _due(now: datetime, *, early: bool = False) -> Q:
    """Waiting to be sent: not sent, not dead, not claimed, its secret (if any) still good, and
    its wait after a refusal over (unless ``early``: an operator's "now")."""
    due = (
        Q(sent_at=None, dead_at=None)
        & (Q(claimed_until=None) | Q(claimed_until__lte=now))
        & ~Q(secret_until__lte=now)
    )
    return due if early else due & (Q(next_attempt_at=None) | Q(next_attempt_at__lte=now))


def waiting() -> int:
    """Messages not yet sent and not dead."""
    return OutboxMessage.objects.filter(sent_at=None, dead_at=None).count()


def deliver(
    message_id: int, *, now: datetime | None = None, sender: str = SENDER, early: bool = False
) -> bool:
    """Claim one message and hand it to the gateway; True if this call sent it."""
    from .gateways import Undeliverable, gateway

    now = now or clock.now()
    claimed = OutboxMessage.objects.filter(_due(now, early=early), pk=message_id).update(
        claimed_until=now + LEASE, claimed_by=sender
    )
    if not claimed:
        return False  # sent, dead, waiting, out of date, or another sender has it
    message = OutboxMessage.objects.get(pk=message_id)
    ours = OutboxMessage.objects.filter(pk=message_id, claimed_by=sender)
    carrier = gateway(message.channel)
    try:
        reference = carrier.send(message)
    except Exception as exc:  # any provider error: kept on the message, tried again later
        attempts = message.attempts + 1
        changes: dict[str, Any] = {
            "attempts": attempts,
            "error": f"{type(exc).__name__}: {exc}"[:200],
            "claimed_until": None,
            "claimed_by": "",
        }
        if isinstance(exc, Undeliverable) or attempts >= MAX_ATTEMPTS:
            changes["dead_at"] = now
            log.error("message %s is dead after %s attempts: %s", message_id, attempts, exc)
        else:
            changes["next_attempt_at"] = now + wait_after(attempts)
            log.warning("gateway refused message %s: %s", message_id, exc)
        ours.update(**changes)
        return False
    sent: dict[str, Any] = {
        "sent_at": clock.now(),
        "attempts": F("attempts") + 1,
        "error": "",
        "reference": (reference or "")[:255],
    }
    if message.secret_until is not None and not getattr(carrier, "outbox_only", False):
        sent["text"] = ""  # on its way to the citizen: no copy of the secret stays here
    ours.update(claimed_until=None, claimed_by="", **sent)
    return True


def deliver_due(
    *, now: datetime, limit: int = 200, sender: str = SENDER, early: bool = False
) -> tuple[int, int]:
    """Send up to ``limit`` messages that are due, oldest first, within each channel's rate;
    returns (sent, refused or taken by another sender). ``early``: those waiting after a
    refusal too (an operator's ``segl outbox --deliver``)."""
    due = list(
        OutboxMessage.objects.filter(_due(now, early=early))
        .order_by("pk")
        .values_list("pk", "channel")[:limit]
    )
    per_minute = settings.CONFIG.outbox_per_minute
    full: set[str] = set()
    sent = missed = 0
    for pk, channel in due:
        if channel in full:
            continue
        if hit(f"outbox:{channel}", per_minute):
            full.add(channel)  # this minute's share is spent: the rest waits
            continue
        if deliver(pk, now=now, sender=sender, early=early):
            sent += 1
        else:
            missed += 1
    return sent, missed


def retry_dead(*, ids: list[int] | None = None) -> int:
    """Give dead messages (these, or all) their tries again; returns how many."""
    dead = OutboxMessage.objects.exclude(dead_at=None).filter(sent_at=None)
    if ids is not None:
        dead = dead.filter(pk__in=ids)
    return dead.update(dead_at=None, attempts=0, next_attempt_at=None, error="")
