"""The audit hash chain: each event's digest covers the previous digest and the event itself.

Changing, inserting or removing any event breaks every digest after it, which
:func:`verify_chain` finds. Canonical JSON (sorted keys, no spaces, UTF-8) keeps digests stable
across databases.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


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
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "action": action,
        "outcome": outcome,
        "actor": actor,
        "subject": subject,
        "ip": ip,
        "data": dict(data),
    }


def chain_digest(prev_digest: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_digest.encode("ascii") + b"\n" + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(events: Iterable[tuple[Mapping[str, Any], str, str]]) -> list[ChainBreak]:
    """Check ``(fields, prev_digest, digest)`` triples in sequence order; return what is broken."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS
    expected_seq = 1
    for fields, prev_digest, digest in events:
        seq = int(fields["seq"])
        if seq != expected_seq:
            breaks.append(ChainBreak(seq, f"expected event #{expected_seq} here (missing events)"))
        if prev_digest != expected_prev:
            breaks.append(ChainBreak(seq, "does not follow the event before it"))
        if chain_digest(prev_digest, fields) != digest:
            breaks.append(ChainBreak(seq, "its content was changed"))
        expected_prev = digest
        expected_seq = seq + 1
    return breaks
