"""Failure throttling: one policy for one-time codes, passwords and PINs.

RFC 4226 §7.3: "the authentication server needs to detect and stop brute force attacks. We
RECOMMEND setting a throttling parameter T, which defines the maximum number of possible attempts
for One-Time Password validation." NIST SP 800-63B §5.2.2 asks the same of every authenticator.

A state counts wrong attempts in a row; when the count reaches the policy's maximum the
authenticator is locked for a while and the count starts again, so each lock gives the attacker
``max_failures`` more guesses, no more. The caller persists the state (atomically, with the row
locked), checks it before verifying anything and records the outcome after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from segl.core.clock import require_aware
from segl.core.errors import Locked

__all__ = [
    "CODE_THROTTLE",
    "FailureState",
    "ThrottlePolicy",
    "check_not_locked",
    "record_failure",
    "record_success",
]


@dataclass(frozen=True)
class ThrottlePolicy:
    """Lock for ``lock_for`` after ``max_failures`` wrong attempts in a row."""

    max_failures: int
    lock_for: timedelta

    def __post_init__(self) -> None:
        if isinstance(self.max_failures, bool) or not isinstance(self.max_failures, int):
            raise ValueError("max_failures must be an integer")
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if not isinstance(self.lock_for, timedelta) or self.lock_for <= timedelta(0):
            raise ValueError("lock_for must be a positive timedelta")


# A code display or audio code reader is suspended for 15 minutes after 3 wrong codes in a row.
CODE_THROTTLE = ThrottlePolicy(max_failures=3, lock_for=timedelta(minutes=15))


@dataclass(frozen=True)
class FailureState:
    """Wrong attempts in a row since the last success or lock, and the end of the current lock."""

    failures: int = 0
    locked_until: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.failures, bool) or not isinstance(self.failures, int):
            raise ValueError("failures must be an integer")
        if self.failures < 0:
            raise ValueError("failures must not be negative")
        if self.locked_until is not None:
            require_aware(self.locked_until)


def check_not_locked(state: FailureState, *, now: datetime) -> None:
    """Raise ``Locked(until)`` while ``now`` is before the end of the lock; the lock ends at
    ``locked_until`` itself."""
    now = require_aware(now)
    if state.locked_until is not None and now < state.locked_until:
        raise Locked(state.locked_until)


def record_failure(policy: ThrottlePolicy, state: FailureState, *, now: datetime) -> FailureState:
    """Count one more wrong attempt; the one that reaches ``max_failures`` locks until
    ``now + lock_for`` and starts the count again from zero.

    A lock that has ended is dropped, so a ``locked_until`` in the result always means a lock
    that this attempt began (the caller has checked the state with ``check_not_locked`` first)."""
    now = require_aware(now)
    failures = state.failures + 1
    if failures >= policy.max_failures:
        return FailureState(failures=0, locked_until=now + policy.lock_for)
    running = state.locked_until if state.locked_until and now < state.locked_until else None
    return FailureState(failures=failures, locked_until=running)


def record_success(state: FailureState) -> FailureState:
    """A success ends the run of wrong attempts."""
    return FailureState()
