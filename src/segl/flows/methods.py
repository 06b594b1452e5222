"""Which identification methods a login offers, which one comes first, and whether the one used
reaches the level the RP asked for.

Until the citizen has proven something, nothing here depends on what the identity has (decision
17): every user ID, known or not, is offered every kind segl has that can reach the requested
level, in one fixed order, and the first method shown is chosen by the browser — the method it
last logged in with for this user ID (``browser_memory``), else a fixed default.
"""

from __future__ import annotations

import uuid

from django.db.models import Q

from segl.authenticators.contract import StepContext
from segl.authenticators.models import Authenticator, Device, Kind
from segl.authenticators.registry import KINDS
from segl.core.assurance import Level, achieved
from segl.prepared import Prepared

from . import decoys
from .models import Flow

DEFAULT_METHOD: str = Kind.CODE_DISPLAY.value


def requested_level(flow: Flow) -> Level | None:
    return Level.from_key(flow.requested_level) if flow.requested_level else None


def offered_methods(flow: Flow) -> list[str]:
    """ "Change identification method": every kind segl offers that can reach the requested
    level, in the order of :class:`Kind`; the same list for every user ID."""
    level = requested_level(flow)
    return [
        kind.value
        for kind in Kind
        if kind.value in KINDS and (level is None or KINDS[kind.value].level >= level)
    ]


def first_method(flow: Flow, *, remembered: str = "") -> str | None:
    """The method shown right after the user ID: the one this browser remembers for the user
    ID, else the default, else the first offered; None when no kind reaches the level."""
    offered = offered_methods(flow)
    for choice in (remembered, DEFAULT_METHOD):
        if choice in offered:
            return choice
    return offered[0] if offered else None


# The identity's first active authenticator of a kind (and its device active, if it has one).
_OWNED = Prepared(
    lambda identity_id, kind: (
        Authenticator.objects.filter(
            identity_id=identity_id, kind=kind, status=Authenticator.Status.ACTIVE
        )
        .filter(Q(device__isnull=True) | Q(device__status=Device.Status.ACTIVE))
        .order_by("activated_at")[:1]
    ),
    identity_id=uuid.UUID,
    kind=str,
)


def owned_authenticator(flow: Flow, method: str) -> Authenticator | None:
    """The identity's usable authenticator of kind ``method``, or None: then the method's step
    is a decoy. An unknown user ID costs the same query, finding nothing."""
    # No identity has the nil UUID: an unknown user ID runs the same query and finds nothing.
    found = _OWNED.first(identity_id=flow.identity_id or uuid.UUID(int=0), kind=method)
    if found is not None:
        # The flow's identity, already loaded: no join for it (a kind reads its user ID).
        found.identity = flow.identity  # type: ignore[assignment]
    return found


def level_reached(flow: Flow, method: str) -> bool:
    """Whether a login by ``method`` reaches the requested level for the flow's identity, as it
    is now (its identity assurance level may have been lowered since the user ID)."""
    level = requested_level(flow)
    if level is None:
        return True
    if flow.identity is None or method not in KINDS:
        return False
    return achieved(Level.from_key(flow.identity.ial), authenticator_level(flow, method)) >= level


def authenticator_level(flow: Flow, method: str) -> Level:
    """The level of the authenticator the flow used (at most its kind's); before one was used,
    the kind's, which is what the method offers every user ID alike."""
    highest = KINDS[method].level
    if flow.authenticator_id is None or flow.authenticator is None:
        return highest
    return min(highest, Level.from_key(flow.authenticator.level))


def step_context(flow: Flow, kind: str) -> StepContext:
    """``flow`` as ``kind`` sees it. The identity's authenticator of the kind is looked up only
    if the kind asks (``StepContext.authenticator_id``): showing a code step needs none."""

    def find_authenticator() -> int | None:
        found = owned_authenticator(flow, kind)
        return found.pk if found is not None else None

    return StepContext(
        flow_id=flow.id,
        kind=kind,
        method=flow.method,
        step=flow.step,
        finished=flow.state.finished,
        identity_id=flow.identity_id,
        user_id=flow.identity.user_id if flow.identity is not None else "",
        decoy_key=decoys.kind_key(flow, kind),
        browser_key_hash=flow.browser_key_hash,
        approval_text=flow.approval_text,
        action=flow.action,
        rp_name=flow.application.name,
        expires_at=flow.expires_at,
        find_authenticator=find_authenticator,
    )
