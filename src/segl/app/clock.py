"""The app API's clock. Views ask here for the time rather than the system, so that a test or a
demo can move the app's time forward (the 24-hour wait before one-time codes) without waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

_offset = timedelta(0)


def now() -> datetime:
    return timezone.now() + _offset


def move(delta: timedelta) -> None:
    """Move the app's clock by ``delta`` (for tests and demos; never set in production)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
