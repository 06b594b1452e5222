"""The shell's one clock. Every view, command and job asks here for the time and passes it into
the core (which never reads a clock of its own), so that a test or a demo moves segl's time in
one place: the next TOTP step, the 24-hour wait before a weakening change, a portal login's end.

``wall()`` is the machine's own time, never moved: it is for comparing with a time another
machine wrote down with its own clock (a DPoP proof's ``iat``, RFC 9449 §11.1).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from segl.core.clock import utcnow

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Aware UTC: the time segl acts on."""
    return _frozen if _frozen is not None else utcnow() + _offset


def wall() -> datetime:
    """Aware UTC: the machine's time, whatever the offset."""
    return utcnow()


def move(delta: timedelta) -> None:
    """Move segl's time by ``delta`` (tests and demos; nothing in production moves it)."""
    global _offset, _frozen
    if _frozen is not None:
        _frozen += delta
    _offset += delta


def freeze() -> datetime:
    """Stop segl's time where it is until ``move`` or ``reset`` (tests that compare times)."""
    global _frozen
    _frozen = now()
    return _frozen


def reset() -> None:
    global _offset, _frozen
    _offset, _frozen = timedelta(0), None
