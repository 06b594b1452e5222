"""Failure states kept on rows: a device's codes, an identity's password, a keyed throttle.

Each such row has the four columns of :class:`segl.core.throttle.FailureState` under one prefix:
``failures``, ``locked_until``, ``failures_total`` and ``disabled_at``. The policies take the
configured limit of wrong attempts since the last success (``SEGL_FAILURE_LIMIT``, at most 100).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from segl.core.throttle import FailureState, ThrottlePolicy


def policy(*, max_failures: int, lock_minutes: int, limited: bool = True) -> ThrottlePolicy:
    """Lock after ``max_failures`` in a row, locks that grow, and the configured limit (none if
    not ``limited``: for counts that belong to no account)."""
    return ThrottlePolicy(
        max_failures=max_failures,
        lock_for=timedelta(minutes=lock_minutes),
        limit=settings.CONFIG.failure_limit if limited else None,
    )


_NAMES = ("failures", "locked_until", "failures_total", "disabled_at")


def load(row: Any, prefix: str = "") -> FailureState:
    """The failure state kept on ``row`` under ``prefix``."""
    return FailureState(*(getattr(row, f"{prefix}{name}") for name in _NAMES))


def _values(state: FailureState) -> tuple[Any, ...]:
    return (state.failures, state.locked_until, state.total, state.disabled_at)


def store(row: Any, state: FailureState, prefix: str = "") -> list[str]:
    """Put ``state`` on ``row`` under ``prefix``; the fields to save."""
    for name, value in zip(_NAMES, _values(state), strict=True):
        setattr(row, f"{prefix}{name}", value)
    return [f"{prefix}{name}" for name in _NAMES]


def cleared(prefix: str = "") -> dict[str, Any]:
    """The columns of a fresh state, for an ``update()``: a fresh identification recovers."""
    return {
        f"{prefix}{name}": value
        for name, value in zip(_NAMES, _values(FailureState()), strict=True)
    }
