"""The registered authenticator kinds, and the login flow's port for them.

A kind registers itself in one line in its ``AppConfig.ready``::

    register(AppKind())

and the flow registers its :class:`~.contract.FlowPort` the same way (``connect_flows``), so
that neither imports the other's code.
"""

from __future__ import annotations

import operator

from .contract import AuthenticatorKind, FlowPort

# name -> kind, in registration order; tests may swap a kind for one with another level.
KINDS: dict[str, AuthenticatorKind] = {}

_flow_port: list[FlowPort] = []
_step_forms: dict[str, tuple[tuple[AuthenticatorKind, ...], type | None]] = {}


def register(kind: AuthenticatorKind) -> AuthenticatorKind:
    if kind.kind in KINDS and type(KINDS[kind.kind]) is not type(kind):
        raise ValueError(f"two kinds named {kind.kind!r}")
    KINDS[kind.kind] = kind
    return kind


def kind_of(name: str) -> AuthenticatorKind:
    """The registered kind ``name``; ``KeyError`` for one segl does not have."""
    return KINDS[name]


def step_form_class(step: str) -> type | None:
    """The form every kind with ``step`` answers it with, when they all use one (the code step
    of the code display and the audio code reader); None when none does or they differ. A
    login's page can then read the answer without first reading the login. Worked out once for
    the kinds registered (each kind builds its form to say), again if they change."""
    kinds = tuple(KINDS.values())
    known = _step_forms.get(step)
    if known and len(known[0]) == len(kinds) and all(map(operator.is_, known[0], kinds)):
        return known[1]
    found = {
        type(form)
        for kind in kinds
        if step in kind.steps and (form := kind.step_form(step=step)) is not None
    }
    shared = found.pop() if len(found) == 1 else None
    _step_forms[step] = (kinds, shared)
    return shared


def connect_flows(port: FlowPort) -> None:
    _flow_port[:] = [port]


def flows() -> FlowPort:
    """The login flow, for a kind whose answers arrive out of band."""
    if not _flow_port:
        raise RuntimeError("the login flow has not connected (segl.flows not installed)")
    return _flow_port[0]
