"""Writing and checking the audit log. Callers own the transaction; an event commits with it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from segl.core.audit import GENESIS, ChainBreak, chain_digest, event_fields, verify_chain

from .models import AuditEvent, AuditHead


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
    """Append one event to the chain. Never put secrets or a whole CPR number in ``data``."""
    # Inside the caller's transaction no savepoint is needed: nothing here raises on purpose.
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        seq = head.seq + 1
        when = at or timezone.now()
        fields = event_fields(
            seq=seq,
            at=when,
            action=action,
            outcome=outcome,
            actor=actor,
            subject=subject,
            ip=ip,
            data=data or {},
        )
        digest = chain_digest(head.digest, fields)
        event = AuditEvent.objects.create(
            seq=seq,
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
        head.seq = seq
        head.digest = digest
        head.save(update_fields=["seq", "digest"])
        return event


def _stored() -> Iterator[tuple[dict[str, Any], str, str]]:
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        fields = event_fields(
            seq=event.seq,
            at=event.at,
            action=event.action,
            outcome=event.outcome,
            actor=event.actor,
            subject=event.subject,
            ip=event.ip,
            data=event.data,
        )
        yield fields, event.prev_digest, event.digest


def audit_verify() -> tuple[int, list[ChainBreak]]:
    """Walk the whole chain; return how many events were read and what is broken."""
    count = 0

    def counted() -> Iterator[tuple[dict[str, Any], str, str]]:
        nonlocal count
        for item in _stored():
            count += 1
            yield item

    breaks = verify_chain(counted())
    head = AuditHead.objects.filter(id=1).first()
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "digest").first()
    if head is not None and (last or (0, GENESIS)) != (head.seq, head.digest):
        breaks.append(ChainBreak(head.seq, "the newest events were removed"))
    return count, breaks
