"""The audit chains: each event is sealed with an HMAC over the seal before it and itself.

Events are appended to one of a few *partitions*, each a chain of its own with strict order
(``seq`` 1, 2, 3, … within the partition), so that writers on different partitions never wait
for each other. An event's seal is HMAC-SHA256 (RFC 2104) under an audit key from configuration,
named by its key id (``kid``), over the previous seal of its partition and the event's canonical
JSON (sorted keys, no spaces, UTF-8), which includes the partition, ``seq`` and ``kid``. Without
the key nobody can change, insert or remove an event and re-seal the rest: :class:`ChainVerifier`
finds the first event that does not check out. Cutting off the newest events leaves a valid, but
shorter, chain; that is what signed checkpoints (:mod:`segl.core.checkpoints`) are for.

Events written before the chains were keyed form the *legacy segment* (partition
:data:`LEGACY`), chained with plain SHA-256 as before; every keyed partition starts from the
legacy segment's last digest, so the legacy segment is bound into every keyed chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
LEGACY = -1
"""The partition of the events written before the chains were keyed (plain SHA-256)."""

MAX_BREAKS = 20
"""Breaks kept per partition; further ones are only counted (a wrong key breaks every event)."""


def canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_fields(
    *,
    seq: int,
    at: datetime,
    action: str,
    outcome: str,
    actor: str,
    subject: str,
    ip: str,
    data: Mapping[str, Any],
    partition: int = LEGACY,
    kid: str = "",
) -> dict[str, Any]:
    """What an event's seal covers. Legacy events (no key) keep the fields they were hashed with."""
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "action": action,
        "outcome": outcome,
        "actor": actor,
        "subject": subject,
        "ip": ip,
        "data": dict(data),
    }
    if partition != LEGACY:
        fields["partition"] = partition
        fields["kid"] = kid
    return fields


def chain_digest(prev_digest: str, fields: Mapping[str, Any]) -> str:
    """The legacy segment's plain SHA-256 link; anyone can recompute it, so it proves little."""
    return hashlib.sha256(prev_digest.encode() + b"\n" + canonical(fields)).hexdigest()


def chain_mac(key: bytes, prev_digest: str, fields: Mapping[str, Any]) -> str:
    """An event's seal: HMAC-SHA256 under the audit key over the previous seal and the event."""
    message = prev_digest.encode() + b"\n" + canonical(fields)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    """One event as read back: what was sealed, the link it claims and the seal it carries."""

    fields: Mapping[str, Any]
    prev_digest: str
    digest: str
    event_id: int | None = None

    @property
    def seq(self) -> int:
        return int(self.fields["seq"])


@dataclass(frozen=True)
class ChainBreak:
    """The first event (or the first missing one) of a problem, in its partition."""

    seq: int
    reason: str
    partition: int = LEGACY
    event_id: int | None = None

    def where(self) -> str:
        name = "legacy segment" if self.partition == LEGACY else f"partition {self.partition}"
        return f"{name}, event #{self.seq}" + (f" (id {self.event_id})" if self.event_id else "")


class ChainVerifier:
    """Checks one partition's events, fed in ``seq`` order; keeps nothing but the last link.

    ``keys`` maps key ids to audit keys; the legacy partition needs none. ``genesis`` is the
    digest the partition's first event must follow (the legacy segment's last digest).
    """

    def __init__(self, *, partition: int, keys: Mapping[str, bytes], genesis: str) -> None:
        self.partition = partition
        self._keys = keys
        self.breaks: list[ChainBreak] = []
        self.more_breaks = 0
        self.count = 0
        self.last_seq = 0
        self.last_digest = genesis
        self._last: StoredEvent | None = None

    def feed(self, event: StoredEvent) -> None:
        seq = event.seq
        expected = self.last_seq + 1
        if seq != expected:
            missing = f"#{expected}" if seq == expected + 1 else f"#{expected} to #{seq - 1}"
            self.report(expected, f"is missing (events {missing} were removed)", event)
        elif not _same(event.prev_digest, self.last_digest):
            self.report(seq, "does not follow the event before it", event)
        problem = self._seal_problem(event)
        if problem:
            self.report(seq, problem, event)
        self.count += 1
        self.last_seq = seq
        self.last_digest = event.digest
        self._last = event

    def anchor(self, *, seq: int, digest: str, source: str) -> None:
        """``source`` (a checkpoint, the head row) saw this partition reach ``seq``, ``digest``.

        Call it after feeding every event up to ``seq``; an anchor behind the events fed so far
        cannot be checked any more and is ignored.
        """
        if self.last_seq < seq:
            self.report(
                self.last_seq + 1,
                f"is missing, but {source} saw the chain reach #{seq}: events were removed",
            )
        elif seq == 0 == self.last_seq and not _same(self.last_digest, digest):
            self.report(
                1,
                f"{source} starts the chain elsewhere than where the legacy segment ends now:"
                " the legacy segment or its recorded end was changed",
            )
        elif self.last_seq == seq and not _same(self.last_digest, digest):
            self.report(
                seq,
                f"is not the event {source} saw: the chain was rewritten up to here"
                " (after the last event an earlier checkpoint confirms)",
                self._last,
            )

    def report(self, seq: int, reason: str, event: StoredEvent | None = None) -> None:
        """Record a problem at ``seq`` (the first few per partition; the rest are counted)."""
        if len(self.breaks) >= MAX_BREAKS:
            self.more_breaks += 1
            return
        event_id = event.event_id if event is not None and event.seq == seq else None
        self.breaks.append(ChainBreak(seq, reason, self.partition, event_id))

    def _seal_problem(self, event: StoredEvent) -> str:
        if self.partition == LEGACY:
            expected = chain_digest(event.prev_digest, event.fields)
        else:
            kid = str(event.fields.get("kid", ""))
            key = self._keys.get(kid)
            if key is None:
                return f"sealed with key id {kid!r}, which is not among the audit keys"
            expected = chain_mac(key, event.prev_digest, event.fields)
        if not _same(expected, event.digest):
            return "its seal does not match: changed, or sealed without the audit key"
        return ""


def verify_chain(
    events: Iterable[StoredEvent],
    *,
    partition: int = LEGACY,
    keys: Mapping[str, bytes] | None = None,
    genesis: str = GENESIS,
) -> list[ChainBreak]:
    """Check one partition's events in ``seq`` order; return what is broken."""
    verifier = ChainVerifier(partition=partition, keys=keys or {}, genesis=genesis)
    for event in events:
        verifier.feed(event)
    return verifier.breaks


def _same(a: str, b: str) -> bool:
    # Stored digests are whatever the database holds; bytes, so that non-ASCII text compares too.
    return hmac.compare_digest(a.encode(), b.encode())
