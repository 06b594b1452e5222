"""Checking the audit chains against their seals, their head rows and signed checkpoints.

Everything streams: each partition's events are read in ``seq`` order through a cursor, and the
checkpoint lines one at a time, so memory does not grow with the log. Checkpoint lines are read
once, in order; before a checkpoint's heads are compared, each named partition's stream is fed up
to that head.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction

from segl.core.audit import (
    GENESIS,
    LEGACY,
    MAX_BREAKS,
    ChainBreak,
    ChainVerifier,
    StoredEvent,
    event_fields,
)
from segl.core.checkpoints import CheckpointError, read_checkpoint

from .keys import audit_keys
from .models import AuditEvent, AuditPartition

_COLUMNS = (
    "id",
    "seq",
    "at",
    "action",
    "outcome",
    "actor",
    "subject",
    "ip",
    "data",
    "kid",
    "prev_digest",
    "digest",
)


@dataclass
class AuditReport:
    events: int = 0
    partitions: list[int] = field(default_factory=list)
    breaks: list[ChainBreak] = field(default_factory=list)
    more_breaks: int = 0
    checkpoints: int = 0
    newest_checkpoint: datetime | None = None
    checkpoint_problems: list[str] = field(default_factory=list)
    unanchored: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks and not self.more_breaks and not self.checkpoint_problems


def audit_check(
    *,
    checkpoints: Iterable[str] | None = None,
    verify_keys: Mapping[str, Ed25519PublicKey] | None = None,
) -> AuditReport:
    """Verify every partition; with ``checkpoints`` (lines), check each against them too."""
    report = AuditReport()
    with _snapshot():
        # The partitions with events before their heads: a head row is committed no later than
        # its partition's first event, so each partition listed has its head when the heads are
        # read (on SQLite each statement reads on its own, and writers may add a partition's
        # first event between the two reads).
        numbers = set(_partitions_with_events())
        heads = {p.number: p for p in AuditPartition.objects.all()}
        legacy = heads.get(LEGACY)
        genesis = legacy.digest if legacy is not None else GENESIS
        keys = audit_keys().keys
        streams: dict[int, _Stream] = {}

        def stream(number: int) -> _Stream:
            if number not in streams:
                start = GENESIS if number == LEGACY else genesis
                streams[number] = _Stream(number, keys, start, heads.get(number))
            return streams[number]

        for number in sorted({*heads, *numbers}):
            stream(number)
        for lineno, line in enumerate(checkpoints or (), start=1):
            if not line.strip():
                continue
            try:
                checkpoint = read_checkpoint(line, verify_keys or {})
            except CheckpointError as exc:
                if len(report.checkpoint_problems) < MAX_BREAKS:
                    report.checkpoint_problems.append(f"checkpoint line {lineno}: {exc}")
                else:
                    report.more_breaks += 1
                continue
            report.checkpoints += 1
            report.newest_checkpoint = checkpoint.at
            for head in checkpoint.heads:
                stream(head.partition).anchor(head.seq, head.digest, checkpoint.label())
        for number in sorted(streams):
            s = streams[number]
            s.finish()
            report.events += s.verifier.count
            report.breaks += sorted(s.verifier.breaks, key=lambda b: b.seq)
            report.more_breaks += s.verifier.more_breaks
            report.unanchored += max(0, s.verifier.last_seq - s.anchored)
        report.partitions = sorted(n for n, s in streams.items() if s.verifier.count or n >= 0)
    return report


class _Stream:
    """One partition's events, fed to its verifier up to wherever a checkpoint asks."""

    def __init__(
        self,
        number: int,
        keys: Mapping[str, bytes],
        genesis: str,
        head: AuditPartition | None,
    ) -> None:
        self.verifier = ChainVerifier(partition=number, keys=keys, genesis=genesis)
        self._events = _events(number)
        self._next: StoredEvent | None = None
        # The head row was read before any event: the event it names must be in the stream.
        self._head = head
        self._head_checked = head is None
        self.anchored = 0

    def anchor(self, seq: int, digest: str, source: str) -> None:
        self._advance(seq)
        self.verifier.anchor(seq=seq, digest=digest, source=source)
        self.anchored = max(self.anchored, seq)

    def finish(self) -> None:
        self._advance(None)
        self._check_head()
        if self._head is None and self.verifier.count:
            self.verifier.report(self.verifier.last_seq, "its partition has no head row")

    def _advance(self, up_to: int | None) -> None:
        while True:
            if self._next is None:
                self._next = next(self._events, None)
                if self._next is None:
                    return
            if up_to is not None and self._next.seq > up_to:
                return
            event, self._next = self._next, None
            if self._head is not None and event.seq > self._head.seq:
                self._check_head()
                if self.verifier.partition == LEGACY:
                    # Nothing is appended to the legacy segment: this was added since.
                    self.verifier.report(
                        event.seq,
                        f"lies after the legacy segment's recorded end (#{self._head.seq})",
                        event,
                    )
            self.verifier.feed(event)

    def _check_head(self) -> None:
        if self._head_checked or self._head is None:
            return
        self._head_checked = True
        self.verifier.anchor(
            seq=self._head.seq, digest=self._head.digest, source="the partition's head row"
        )


def _events(partition: int) -> Iterator[StoredEvent]:
    rows = (
        AuditEvent.objects.filter(partition=partition)
        .order_by("seq")
        .values_list(*_COLUMNS)
        .iterator(chunk_size=2000)
    )
    for event_id, seq, at, action, outcome, actor, subject, ip, data, kid, prev, digest in rows:
        fields = event_fields(
            seq=seq,
            at=at,
            action=action,
            outcome=outcome,
            actor=actor,
            subject=subject,
            ip=ip,
            data=data,
            partition=partition,
            kid=kid,
        )
        yield StoredEvent(fields=fields, prev_digest=prev, digest=digest, event_id=event_id)


def _partitions_with_events() -> Iterator[int]:
    """Each partition that holds events: one index lookup per partition, not a scan."""
    number: int | None = (
        AuditEvent.objects.order_by("partition").values_list("partition", flat=True).first()
    )
    while number is not None:
        yield number
        number = (
            AuditEvent.objects.filter(partition__gt=number)
            .order_by("partition")
            .values_list("partition", flat=True)
            .first()
        )


@contextlib.contextmanager
def _snapshot() -> Iterator[None]:
    """On PostgreSQL one read-only snapshot for the whole walk, so cursors stream.

    SQLite's transactions here take the write lock (decision 3), so there each statement reads
    on its own; events appended meanwhile only lie beyond the heads read first.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
