"""The flow state machine: order of steps, expiry, method changes, terminal states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core import flows
from segl.core.errors import FlowExpired, FlowStateError

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIFETIME = timedelta(minutes=10)
STEPS = ("code", "password")


def started() -> flows.FlowState:
    return flows.start(now=NOW, lifetime=LIFETIME)


def test_a_whole_flow():
    state = flows.identify(started(), now=NOW, method="code_display", steps=STEPS)
    assert state.step == "code" and state.remaining == ("password",)
    state = flows.pass_step(state, "code", now=NOW, amr=["otp"])
    assert state.step == "password" and state.amr == ("otp",)
    state = flows.pass_step(state, "password", now=NOW, amr=["pwd"])
    assert state.step == flows.DONE and state.finished and state.amr == ("otp", "pwd")


def test_steps_cannot_be_skipped():
    state = flows.identify(started(), now=NOW, method="code_display", steps=STEPS)
    with pytest.raises(FlowStateError):
        flows.pass_step(state, "password", now=NOW, amr=["pwd"])
    with pytest.raises(FlowStateError):
        flows.pass_step(started(), "code", now=NOW, amr=["otp"])


def test_expiry_after_ten_minutes():
    state = flows.identify(started(), now=NOW, method="code_display", steps=STEPS)
    flows.pass_step(state, "code", now=NOW + LIFETIME - timedelta(seconds=1), amr=["otp"])
    with pytest.raises(FlowExpired):
        flows.pass_step(state, "code", now=NOW + LIFETIME, amr=["otp"])


def test_method_changes_only_before_its_first_step_is_passed():
    state = flows.identify(started(), now=NOW, method="code_display", steps=STEPS)
    state = flows.change_method(state, now=NOW, method="audio_code_reader", steps=STEPS)
    assert state.method == "audio_code_reader" and state.step == "code"
    state = flows.pass_step(state, "code", now=NOW, amr=["otp"])
    with pytest.raises(FlowStateError):
        flows.change_method(state, now=NOW, method="code_display", steps=STEPS)


def test_finished_flows_stay_finished():
    done = flows.cancel(started(), now=NOW)
    for step in (flows.USER_ID, "code"):
        with pytest.raises(FlowStateError):
            flows.expect(done, step, now=NOW)
    with pytest.raises(FlowStateError):
        flows.cancel(done, now=NOW)
    with pytest.raises(FlowStateError):
        flows.fail(done, now=NOW, reason="x")


def test_naive_time_is_a_programming_error():
    with pytest.raises(ValueError):
        flows.start(now=datetime(2026, 1, 1), lifetime=LIFETIME)


@given(st.lists(st.sampled_from(["user_id", "code", "password", "done"]), max_size=8))
def test_no_sequence_of_steps_reaches_done_without_every_step(attempts):
    state = started()
    for step in attempts:
        try:
            if step == "user_id":
                state = flows.identify(state, now=NOW, method="m", steps=STEPS)
            else:
                state = flows.pass_step(state, step, now=NOW, amr=[step])
        except FlowStateError:
            continue
    if state.step == flows.DONE:
        assert state.amr == ("code", "password")
