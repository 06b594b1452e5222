"""Failure throttling: wrong attempts in a row lock for a while; a success starts again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.clock import FrozenClock
from segl.core.errors import Locked
from segl.core.throttle import (
    CODE_THROTTLE,
    FailureState,
    ThrottlePolicy,
    check_not_locked,
    record_failure,
    record_success,
)

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_code_rule_is_three_wrong_codes_and_fifteen_minutes() -> None:
    assert CODE_THROTTLE.max_failures == 3
    assert timedelta(minutes=15) == CODE_THROTTLE.lock_for


def test_three_wrong_codes_in_a_row_suspend_for_fifteen_minutes() -> None:
    clock = FrozenClock(START)
    state = FailureState()
    for expected in (1, 2):
        check_not_locked(state, now=clock())
        state = record_failure(CODE_THROTTLE, state, now=clock())
        assert state == FailureState(failures=expected)
        clock.advance(timedelta(seconds=10))
    check_not_locked(state, now=clock())
    state = record_failure(CODE_THROTTLE, state, now=clock())
    until = START + timedelta(seconds=20, minutes=15)
    assert state == FailureState(failures=0, locked_until=until)

    with pytest.raises(Locked) as caught:
        check_not_locked(state, now=clock())
    assert caught.value.until == until
    assert caught.value.code == "locked"

    clock.advance(timedelta(minutes=15) - timedelta(microseconds=1))
    with pytest.raises(Locked):
        check_not_locked(state, now=clock())

    clock.advance(timedelta(microseconds=1))  # exactly at the end of the lock
    check_not_locked(state, now=clock())


def test_after_a_lock_the_count_starts_again() -> None:
    state = FailureState()
    for _ in range(3):
        state = record_failure(CODE_THROTTLE, state, now=START)
    after = START + timedelta(minutes=16)
    check_not_locked(state, now=after)
    state = record_failure(CODE_THROTTLE, state, now=after)
    state = record_failure(CODE_THROTTLE, state, now=after)
    check_not_locked(state, now=after)  # two more are not yet a lock
    state = record_failure(CODE_THROTTLE, state, now=after)
    with pytest.raises(Locked):
        check_not_locked(state, now=after)


def test_a_wrong_attempt_after_a_lock_has_ended_is_not_a_new_lock() -> None:
    state = FailureState()
    for _ in range(3):
        state = record_failure(CODE_THROTTLE, state, now=START)
    after = START + timedelta(minutes=15)  # the lock has just ended
    state = record_failure(CODE_THROTTLE, state, now=after)
    # A locked_until in the result means this attempt locked; the ended lock is gone.
    assert state == FailureState(failures=1)


def test_a_wrong_attempt_during_a_lock_keeps_it() -> None:
    locked = FailureState(failures=0, locked_until=START + timedelta(minutes=15))
    state = record_failure(CODE_THROTTLE, locked, now=START + timedelta(minutes=1))
    assert state == FailureState(failures=1, locked_until=START + timedelta(minutes=15))


def test_a_success_ends_the_run_of_failures() -> None:
    state = record_failure(CODE_THROTTLE, FailureState(), now=START)
    state = record_failure(CODE_THROTTLE, state, now=START)
    state = record_success(state)
    assert state == FailureState()
    # So the next failure is the first again, not the third.
    state = record_failure(CODE_THROTTLE, state, now=START)
    check_not_locked(state, now=START)
    assert state.failures == 1


def test_failures_in_a_row_are_not_forgotten_over_time() -> None:
    # "In a row" means in a row: only a success or a lock ends the run, not a pause.
    state = record_failure(CODE_THROTTLE, FailureState(), now=START)
    state = record_failure(CODE_THROTTLE, state, now=START + timedelta(days=1))
    state = record_failure(CODE_THROTTLE, state, now=START + timedelta(days=2))
    with pytest.raises(Locked):
        check_not_locked(state, now=START + timedelta(days=2))


@given(
    max_failures=st.integers(min_value=1, max_value=20),
    minutes=st.integers(min_value=1, max_value=24 * 60),
)
def test_any_policy_locks_on_exactly_the_nth_failure(max_failures: int, minutes: int) -> None:
    policy = ThrottlePolicy(max_failures=max_failures, lock_for=timedelta(minutes=minutes))
    state = FailureState()
    for _ in range(max_failures - 1):
        state = record_failure(policy, state, now=START)
        check_not_locked(state, now=START)
    state = record_failure(policy, state, now=START)
    assert state.failures == 0
    assert state.locked_until == START + timedelta(minutes=minutes)
    with pytest.raises(Locked):
        check_not_locked(state, now=START)


def test_times_must_be_aware() -> None:
    naive = datetime(2025, 3, 1, 9, 0)
    with pytest.raises(ValueError, match="naive"):
        check_not_locked(FailureState(), now=naive)
    with pytest.raises(ValueError, match="naive"):
        record_failure(CODE_THROTTLE, FailureState(), now=naive)
    with pytest.raises(ValueError, match="naive"):
        FailureState(locked_until=naive)


@pytest.mark.parametrize(
    ("max_failures", "lock_for"),
    [
        (0, timedelta(minutes=1)),
        (-1, timedelta(minutes=1)),
        (3, timedelta(0)),
        (True, timedelta(1)),
    ],
)
def test_policy_is_validated(max_failures: int, lock_for: timedelta) -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(max_failures=max_failures, lock_for=lock_for)


def test_state_is_validated() -> None:
    with pytest.raises(ValueError):
        FailureState(failures=-1)
