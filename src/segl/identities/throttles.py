"""Throttles kept under a keyed hash of what was tried (an unknown user ID, a CPR number, a
client address), so that their tables never list who or what was tried.

A throttle table has the columns ``key``, ``failures``, ``locked_until`` and ``updated_at``.
Rows are made on first use and taken under row locks; the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings

from segl.core.throttle import FailureState, ThrottlePolicy, check_not_locked, record_failure


def keyed(purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under the secret key, apart for each ``purpose``."""
    message = f"segl {purpose}\0{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def lock(model: Any, keys: Sequence[str], now: datetime) -> list[Any]:
    """The rows for ``keys``, made if missing, under row locks."""
    model.objects.bulk_create(
        [model(key=key, updated_at=now) for key in keys], ignore_conflicts=True
    )
    return list(model.objects.select_for_update().filter(key__in=keys))


def check(rows: Sequence[Any], now: datetime) -> None:
    """Raise ``Locked`` if any of the rows is locked."""
    for row in rows:
        check_not_locked(FailureState(row.failures, row.locked_until), now=now)


def count_failure(rows: Sequence[Any], policy: ThrottlePolicy, now: datetime) -> datetime | None:
    """Count one wrong attempt on every row; the end of a lock this attempt began, if any."""
    until = None
    for row in rows:
        state = record_failure(policy, FailureState(row.failures, row.locked_until), now=now)
        row.failures, row.locked_until, row.updated_at = state.failures, state.locked_until, now
        row.save(update_fields=["failures", "locked_until", "updated_at"])
        until = state.locked_until or until
    return until
