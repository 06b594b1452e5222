"""The registered authenticator kinds, and the login flow's port for them.

A kind registers itself in one line in its ``AppConfig.ready``::

    register(AppKind())

and the flow registers its :class:`~.contract.FlowPort` the same way (``connect_flows``), so
that neither imports the other's code.
"""

from __future__ import annotations

from .contract import AuthenticatorKind, FlowPort

# name -> kind, in registration order; tests may swap a kind for one with another level.
KINDS: dict[str, AuthenticatorKind] = {}

_flow_port: list[FlowPort] = []


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
    login's page can then read the answer without first reading the login."""
    found = {
        type(form)
        for kind in KINDS.values()
        if step in kind.steps and (form := kind.step_form(step=step)) is not None
    }
    return found.pop() if len(found) == 1 else None


def connect_flows(port: FlowPort) -> None:
    _flow_port[:] = [port]


def flows() -> FlowPort:
    """The login flow, for a kind whose answers arrive out of band."""
    if not _flow_port:
        raise RuntimeError("the login flow has not connected (segl.flows not installed)")
    return _flow_port[0]
