"""Throttles kept under a keyed hash of what was tried (an unknown user ID, a CPR number, a
client address), so that their tables never list who or what was tried.

A throttle table has the columns of a failure state (see :mod:`segl.identities.failures`) and
``key`` and ``updated_at``. Rows are made on first use and taken under row locks; the caller owns
the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings

from segl.core.errors import Disabled, Locked
from segl.core.throttle import ThrottlePolicy, check_not_locked, record_failure

from . import failures


def keyed(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the secret key, apart for each ``purpose``. Any string
    will do, lone surrogates included: they are hashed, never stored."""
    message = f"segl {purpose}\0{value}".encode("utf-8", "surrogatepass")
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def lock(model: Any, keys: Sequence[str], now: datetime) -> list[Any]:
    """The rows for ``keys``, in that order, made if missing, under row locks."""
    model.objects.bulk_create(
        [model(key=key, updated_at=now) for key in keys], ignore_conflicts=True
    )
    rows = {row.key: row for row in model.objects.select_for_update().filter(key__in=keys)}
    return [rows[key] for key in keys]


def check(rows: Sequence[Any], now: datetime) -> None:
    """Raise ``Disabled`` if any of the rows is disabled, else ``Locked`` if any is locked."""
    states = [failures.load(row) for row in rows]
    for state in sorted(states, key=lambda state: not state.disabled):
        check_not_locked(state, now=now)


Refusal = Disabled | Locked


def graver(*refusals: Refusal | None) -> Refusal | None:
    """The refusal to give: ``Disabled`` before ``Locked`` (the lock that ends last), else none."""
    for refusal in refusals:
        if isinstance(refusal, Disabled):
            return refusal
    locks = [refusal for refusal in refusals if isinstance(refusal, Locked)]
    return max(locks, key=lambda lock: lock.until) if locks else None


def count_failure(rows: Sequence[Any], policy: ThrottlePolicy, now: datetime) -> Refusal | None:
    """Count one wrong attempt on every row; the refusal it earns: ``Disabled`` if it disabled a
    row, else ``Locked`` if it began a lock, else None (only wrong)."""
    refusals: list[Refusal] = []
    for row in rows:
        before = failures.load(row)
        state = record_failure(policy, before, now=now)
        row.updated_at = now
        row.save(update_fields=[*failures.store(row, state), "updated_at"])
        if state.disabled and not before.disabled:
            refusals.append(Disabled())
        elif state.locked_until is not None:
            refusals.append(Locked(state.locked_until))
    return graver(*refusals)
