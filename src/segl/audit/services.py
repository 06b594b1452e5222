"""Writing and checking the audit log. Callers own the transaction; an event commits with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from segl import clock
from segl.core.audit import ChainBreak, chain_mac, event_fields
from segl.logs import security_event
from segl.metrics import count_event

from .keys import audit_keys
from .models import AuditEvent
from .partitions import partition_advance, partition_append, partition_lock
from .verify import audit_check


def audit_record(
    *,
    action: str,
    outcome: str = "ok",
    actor: str = "",
    subject: str = "",
    ip: str = "",
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to a chain. Never put secrets or a whole CPR number in ``data``."""
    # Inside the caller's transaction no savepoint is needed: nothing here raises on purpose.
    with transaction.atomic(savepoint=False):
        head = partition_lock()
        keys = audit_keys()
        seq = head.seq + 1
        when = at or clock.now()
        fields = event_fields(
            seq=seq,
            at=when,
            action=action,
            outcome=outcome,
            actor=actor,
            subject=subject,
            ip=ip,
            data=data or {},
            partition=head.number,
            kid=keys.active,
        )
        digest = chain_mac(keys.keys[keys.active], head.digest, fields)
        event = AuditEvent(
            partition=head.number,
            seq=seq,
            kid=keys.active,
            at=when,
            action=action,
            outcome=outcome,
            actor=actor,
            subject=subject,
            ip=ip,
            data=fields["data"],
            prev_digest=head.digest,
            digest=digest,
        )
        partition_append(event)
        partition_advance(head, seq=seq, digest=digest)
    # Logged and counted once it is kept: an event rolled back with its transaction never was.
    transaction.on_commit(lambda: _observe(event), robust=True)
    return event


def _observe(event: AuditEvent) -> None:
    """The security log's line and the metrics' count of one committed event."""
    data = event.data if isinstance(event.data, dict) else {}
    security_event(
        action=event.action,
        outcome=event.outcome,
        actor=event.actor,
        subject=event.subject,
        ip=event.ip,
        data=data,
    )
    count_event(event.action, event.outcome, data)


def audit_verify() -> tuple[int, list[ChainBreak]]:
    """Walk every chain without checkpoints; return how many events were read and what is broken.

    :func:`segl.audit.verify.audit_check` also checks signed checkpoints.
    """
    report = audit_check()
    return report.events, report.breaks
