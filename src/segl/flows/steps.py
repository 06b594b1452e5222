"""Checking the answer to the current step of a login's method: the identity's password, or the
kind's own step; a user ID without such an authenticator (every unknown one) meets the step's
decoy at the method's first step (decision 17), and never gets past it to a later one."""

from __future__ import annotations

from datetime import datetime

from segl.authenticators.contract import PASSWORD
from segl.authenticators.registry import kind_of
from segl.identities.services import identity_verify_password

from . import decoys, methods
from .errors import FlowRefused
from .models import Flow
from .password_first import check_password_first


def verify_answer(flow: Flow, step: str, response: str, *, now: datetime, ip: str) -> None:
    """Accept ``response`` to ``step`` (the flow is at it, under its row lock) or raise a
    :class:`~segl.core.errors.SeglError`; a kind's step sets the authenticator it proved."""
    kind = kind_of(flow.method)
    first = kind.steps[0] == step
    if step == PASSWORD:
        if first:  # asked before anything is proven (the chip's)
            check_password_first(flow, response, now, ip)
        elif flow.identity is not None and flow.authenticator_id:  # after a device's code
            identity_verify_password(
                identity_id=flow.identity.pk, password=response, now=now, ip=ip, flow_id=flow.id
            )
        else:
            raise FlowRefused("method_unavailable")
        return
    if kind.step_form(step=step) is None:
        raise FlowRefused("method_unavailable")  # e.g. the app answers in the app
    auth = methods.owned_authenticator(flow, flow.method)
    if auth is None and first:
        decoys.decoy_code(flow, response, now, ip)  # raises, as a wrong code would
    if auth is None:
        raise FlowRefused("method_unavailable")
    kind.verify(authenticator=auth, step=step, response=response, now=now, ip=ip, flow_id=flow.id)
    flow.authenticator = auth
