"""Time for the shell to pass into the core: aware UTC, and a clock that tests can move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_aware(now: datetime) -> datetime:
    """Refuse naive datetimes: every time in segl is aware UTC."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("naive datetime; segl works in aware UTC")
    return now.astimezone(UTC)


class FrozenClock:
    """A clock that stands still until moved; for tests, demos and benchmarks."""

    def __init__(self, now: datetime) -> None:
        self.now = require_aware(now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
