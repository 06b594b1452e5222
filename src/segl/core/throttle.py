"""Failure throttling: one policy for one-time codes, passwords, PINs and identification.

RFC 4226 §7.3: "the authentication server needs to detect and stop brute force attacks. We
RECOMMEND setting a throttling parameter T, which defines the maximum number of possible attempts
for One-Time Password validation." NIST SP 800-63B rev 4 §3.2.2 allows at most 100 consecutive
failed attempts on one subscriber account, and suggests waits that grow as the account nears
that limit.

A state counts wrong attempts twice. ``failures`` counts them in a row: when it reaches the
policy's ``max_failures`` the secret is locked for a while and the count starts again. ``total``
counts every wrong attempt since the last success, and a lock does not end it: each lock lasts
``growth`` times as long as the one before (up to ``max_lock``), and the attempt that brings
``total`` to the policy's ``limit`` disables the secret for good. Nothing is verified while it is
disabled; only a fresh identification (the shell says which) gives a new state.

The caller persists the state (atomically, with the row locked), checks it before verifying
anything and records the outcome after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from segl.core.clock import require_aware
from segl.core.errors import Disabled, Locked

__all__ = [
    "CODE_THROTTLE",
    "FAILURE_LIMIT",
    "FailureState",
    "ThrottlePolicy",
    "check_not_locked",
    "forgive_total",
    "record_failure",
    "record_success",
]

# NIST SP 800-63B rev 4 §3.2.2: no more than 100 consecutive failed attempts.
FAILURE_LIMIT = 100


def _count(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    if value < low:
        raise ValueError(f"{name} must be at least {low}")


@dataclass(frozen=True)
class ThrottlePolicy:
    """Lock for ``lock_for`` after ``max_failures`` wrong attempts in a row, each further lock
    since the last success ``growth`` times longer (at most ``max_lock``); disable after
    ``limit`` wrong attempts since the last success (``None``: never, for a count that belongs to
    no account, such as an address's)."""

    max_failures: int
    lock_for: timedelta
    limit: int | None = FAILURE_LIMIT
    growth: int = 2
    max_lock: timedelta = timedelta(days=1)

    def __post_init__(self) -> None:
        _count("max_failures", self.max_failures, 1)
        _count("growth", self.growth, 2)
        if self.limit is not None:
            _count("limit", self.limit, 1)
        if self.limit is not None and self.limit > FAILURE_LIMIT:
            raise ValueError(f"limit must be at most {FAILURE_LIMIT} (NIST SP 800-63B)")
        if not isinstance(self.lock_for, timedelta) or self.lock_for <= timedelta(0):
            raise ValueError("lock_for must be a positive timedelta")
        if not isinstance(self.max_lock, timedelta) or self.max_lock < self.lock_for:
            raise ValueError("max_lock must be a timedelta at least as long as lock_for")

    def lock_length(self, number: int) -> timedelta:
        """How long the ``number``-th lock since the last success lasts (the first is 1)."""
        _count("number", number, 1)
        length = self.lock_for
        for _ in range(number - 1):
            if length >= self.max_lock:
                break
            length *= self.growth
        return min(length, self.max_lock)


# A code display or audio code reader is suspended for 15 minutes after 3 wrong codes in a row.
CODE_THROTTLE = ThrottlePolicy(max_failures=3, lock_for=timedelta(minutes=15))


@dataclass(frozen=True)
class FailureState:
    """Wrong attempts in a row since the last success or lock, the end of the current lock,
    wrong attempts since the last success (``total``), and when the limit disabled it."""

    failures: int = 0
    locked_until: datetime | None = None
    total: int = 0
    disabled_at: datetime | None = None

    def __post_init__(self) -> None:
        _count("failures", self.failures, 0)
        _count("total", self.total, 0)
        if self.locked_until is not None:
            require_aware(self.locked_until)
        if self.disabled_at is not None:
            require_aware(self.disabled_at)

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


def check_not_locked(state: FailureState, *, now: datetime) -> None:
    """Raise ``Disabled`` if the limit has been reached, and ``Locked(until)`` while ``now`` is
    before the end of a lock; the lock ends at ``locked_until`` itself."""
    now = require_aware(now)
    if state.disabled_at is not None:
        raise Disabled()
    if state.locked_until is not None and now < state.locked_until:
        raise Locked(state.locked_until)


def record_failure(policy: ThrottlePolicy, state: FailureState, *, now: datetime) -> FailureState:
    """Count one more wrong attempt. The one that brings ``total`` to the limit disables; else
    the one that reaches ``max_failures`` in a row locks (each lock since the last success longer
    than the one before) and starts the count in a row again from zero.

    A lock that has ended is dropped, so a ``locked_until`` in the result always means a lock
    that this attempt began (the caller has checked the state with ``check_not_locked`` first)."""
    now = require_aware(now)
    total = state.total + 1
    if state.disabled_at is not None:
        return replace(state, total=total)
    if policy.limit is not None and total >= policy.limit:
        return FailureState(total=total, disabled_at=now)
    failures = state.failures + 1
    if failures >= policy.max_failures:
        number = max(1, total // policy.max_failures)
        return FailureState(total=total, locked_until=now + policy.lock_length(number))
    running = state.locked_until if state.locked_until and now < state.locked_until else None
    return FailureState(failures=failures, locked_until=running, total=total)


def record_success(state: FailureState) -> FailureState:
    """A success ends the run of wrong attempts and the running total."""
    return FailureState()


def forgive_total(state: FailureState) -> FailureState:
    """Someone else's success where the count is shared (an address many people use): the
    running total ends, so scattered mistakes never add up to the limit, but the run in a row,
    a running lock and a reached limit stay, so one success buys nobody more tries."""
    if state.disabled_at is not None:
        return state
    return replace(state, total=state.failures)
