"""The life of an authenticator: activated, suspended and reinstated, retired for good.

An authenticator comes into being by activation (a device from the inventory, or an app with
its key). A suspended one (reported lost, a fraud report, an app locked by wrong PINs) proves
nothing until it is reinstated; a retired one (replaced, removed by its owner) is gone: nothing
brings it back, a new activation makes a new one.

    new ──activate──► active ──suspend──► suspended
                       │   ▲                 │  │
                       │   └────reinstate────┘  │
                     retire                   retire
                       ▼                        │
                    retired ◄───────────────────┘

Only an active authenticator proves anything (:func:`usable`). A step that does not follow
from where the authenticator is raises :class:`~segl.core.errors.TransitionRefused`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from .errors import TransitionRefused

__all__ = [
    "FINAL",
    "TRANSITIONS",
    "Event",
    "Status",
    "TransitionRefused",
    "allowed",
    "apply",
    "events_from",
    "usable",
]


class Status(StrEnum):
    """Where an authenticator is; the values are those stored (``NEW``: not activated yet,
    such as a device in stock or on its way, which has no authenticator row)."""

    NEW = "new"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    RETIRED = "retired"


class Event(StrEnum):
    ACTIVATE = "activate"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    RETIRE = "retire"


TRANSITIONS: Mapping[tuple[Status, Event], Status] = {
    (Status.NEW, Event.ACTIVATE): Status.ACTIVE,
    (Status.ACTIVE, Event.SUSPEND): Status.SUSPENDED,
    (Status.SUSPENDED, Event.REINSTATE): Status.ACTIVE,
    (Status.ACTIVE, Event.RETIRE): Status.RETIRED,
    (Status.SUSPENDED, Event.RETIRE): Status.RETIRED,
}

# No step leads out of these.
FINAL = frozenset({Status.RETIRED})


def apply(status: str, event: str) -> Status:
    """The status after ``event`` happens to an authenticator that is ``status``.

    Raises ``ValueError`` for a status or event that does not exist (a programmer's mistake),
    :class:`TransitionRefused` for one that does not follow (two tabs, a stale page, an
    operator acting on a retired authenticator)."""
    here, what = Status(status), Event(event)
    after = TRANSITIONS.get((here, what))
    if after is None:
        raise TransitionRefused(status=here.value, event=what.value)
    return after


def allowed(status: str, event: str) -> bool:
    return (Status(status), Event(event)) in TRANSITIONS


def events_from(status: str) -> list[Event]:
    """What may happen next to an authenticator that is ``status``, in the order of
    :class:`Event`."""
    here = Status(status)
    return [event for event in Event if (here, event) in TRANSITIONS]


def usable(status: str) -> bool:
    """Whether an authenticator that is ``status`` may prove anything."""
    return Status(status) is Status.ACTIVE
