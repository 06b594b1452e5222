"""The authentication flow as a state machine (seeds 000, 001).

A flow starts at the user ID, goes through the steps of the chosen method (for a code display:
the one-time code, then the password) and ends done, cancelled or failed. States are immutable
values; the shell persists them, so any node can continue a flow another node started.

Every transition checks expiry first: a flow that is not finished by ``expires_at`` is over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .clock import require_aware
from .errors import FlowExpired, FlowStateError

USER_ID = "user_id"
DONE = "done"
CANCELLED = "cancelled"
FAILED = "failed"
TERMINAL = frozenset({DONE, CANCELLED, FAILED})


@dataclass(frozen=True)
class FlowState:
    step: str
    expires_at: datetime
    method: str | None = None
    remaining: tuple[str, ...] = ()
    amr: tuple[str, ...] = ()
    failure: str | None = None

    @property
    def finished(self) -> bool:
        return self.step in TERMINAL

    @property
    def started_method(self) -> bool:
        """Whether any step of the method has been passed (then the method cannot change)."""
        return bool(self.amr)


def start(*, now: datetime, lifetime: timedelta) -> FlowState:
    return FlowState(step=USER_ID, expires_at=require_aware(now) + lifetime)


def expect(state: FlowState, step: str, *, now: datetime) -> None:
    """Raise unless the flow is live and at ``step``."""
    if state.finished:
        raise FlowStateError(f"the flow is {state.step}")
    if require_aware(now) >= state.expires_at:
        raise FlowExpired("the flow has expired")
    if state.step != step:
        raise FlowStateError(f"the flow is at {state.step}, not {step}")


def identify(state: FlowState, *, now: datetime, method: str, steps: Sequence[str]) -> FlowState:
    """The user ID is known; the method's first step comes next."""
    expect(state, USER_ID, now=now)
    return _enter(state, method, steps)


def change_method(
    state: FlowState, *, now: datetime, method: str, steps: Sequence[str]
) -> FlowState:
    """Switch method ("Change identification method") before any of its steps is passed."""
    if state.method is None or state.started_method:
        raise FlowStateError("the method can only change before its first step is passed")
    expect(state, state.step, now=now)
    return _enter(state, method, steps)


def pass_step(state: FlowState, step: str, *, now: datetime, amr: Sequence[str]) -> FlowState:
    """A step was passed; gather its ``amr`` values and move to the next step or done."""
    expect(state, step, now=now)
    gathered = state.amr + tuple(v for v in amr if v not in state.amr)
    if state.remaining:
        return replace(state, step=state.remaining[0], remaining=state.remaining[1:], amr=gathered)
    return replace(state, step=DONE, remaining=(), amr=gathered)


def cancel(state: FlowState, *, now: datetime) -> FlowState:
    if state.finished:
        raise FlowStateError(f"the flow is {state.step}")
    return replace(state, step=CANCELLED, remaining=())


def fail(state: FlowState, *, now: datetime, reason: str) -> FlowState:
    if state.finished:
        raise FlowStateError(f"the flow is {state.step}")
    return replace(state, step=FAILED, remaining=(), failure=reason)


def _enter(state: FlowState, method: str, steps: Sequence[str]) -> FlowState:
    if not steps:
        raise ValueError("a method needs at least one step")
    return replace(state, step=steps[0], remaining=tuple(steps[1:]), method=method, amr=())
