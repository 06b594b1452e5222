"""Failure throttling: wrong attempts in a row lock for a while; a success starts again."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.clock import FrozenClock
from segl.core.errors import Disabled, Locked
from segl.core.throttle import (
    CODE_THROTTLE,
    FAILURE_LIMIT,
    FailureState,
    ThrottlePolicy,
    check_not_locked,
    forgive_total,
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
        assert state == FailureState(failures=expected, total=expected)
        clock.advance(timedelta(seconds=10))
    check_not_locked(state, now=clock())
    state = record_failure(CODE_THROTTLE, state, now=clock())
    until = START + timedelta(seconds=20, minutes=15)
    assert state == FailureState(failures=0, locked_until=until, total=3)

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
    assert state == FailureState(failures=1, total=4)


def test_a_wrong_attempt_during_a_lock_keeps_it() -> None:
    locked = FailureState(failures=0, locked_until=START + timedelta(minutes=15), total=3)
    state = record_failure(CODE_THROTTLE, locked, now=START + timedelta(minutes=1))
    assert state == FailureState(failures=1, locked_until=START + timedelta(minutes=15), total=4)


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


# -- the running total, growing locks and the limit (NIST SP 800-63B rev 4 §3.2.2) ---------------

policies = st.builds(
    ThrottlePolicy,
    max_failures=st.integers(min_value=1, max_value=10),
    lock_for=st.integers(min_value=1, max_value=120).map(lambda m: timedelta(minutes=m)),
    limit=st.integers(min_value=1, max_value=FAILURE_LIMIT),
    growth=st.integers(min_value=2, max_value=4),
    max_lock=st.integers(min_value=120, max_value=3 * 24 * 60).map(lambda m: timedelta(minutes=m)),
)


def fail_until_disabled(
    policy: ThrottlePolicy, *, pause: timedelta
) -> list[tuple[int, timedelta | None]]:
    """Wrong attempts as an attacker makes them: each as soon as the last lock has ended (and
    ``pause`` later). The state after each, with the lock it began (as a length)."""
    now, state, seen = START, FailureState(), []
    while not state.disabled:
        check_not_locked(state, now=now)
        before = state
        state = record_failure(policy, state, now=now)
        assert state.total == before.total + 1  # every wrong attempt counts, a lock or not
        seen.append((state.total, state.locked_until - now if state.locked_until else None))
        assert len(seen) <= FAILURE_LIMIT
        now = (state.locked_until or now) + pause
    with pytest.raises(Disabled):
        check_not_locked(state, now=now + timedelta(days=3650))
    return seen


@given(policy=policies, pause=st.integers(0, 3600).map(lambda s: timedelta(seconds=s)))
def test_the_running_total_never_resets_at_a_lock_and_the_limit_disables(
    policy: ThrottlePolicy, pause: timedelta
) -> None:
    seen = fail_until_disabled(policy, pause=pause)
    # Exactly `limit` wrong attempts, however they were spread out, and then nothing more.
    assert [total for total, _ in seen] == list(range(1, policy.limit + 1))
    locks = [length for _, length in seen if length is not None]
    assert len(locks) == (policy.limit - 1) // policy.max_failures


@given(policy=policies)
def test_each_lock_is_longer_than_the_last_until_the_longest(policy: ThrottlePolicy) -> None:
    locks = [length for _, length in fail_until_disabled(policy, pause=timedelta(0))]
    locks = [length for length in locks if length is not None]
    assert all(length <= policy.max_lock for length in locks)
    for shorter, longer in itertools.pairwise(locks):
        assert longer == min(shorter * policy.growth, policy.max_lock)
    if locks:
        assert locks[0] == policy.lock_for


def test_the_code_rule_grows_from_fifteen_minutes_to_a_day_and_stops_at_100() -> None:
    locks = [length for _, length in fail_until_disabled(CODE_THROTTLE, pause=timedelta(0))]
    minutes = [int(length.total_seconds() // 60) for length in locks if length is not None]
    assert minutes[:8] == [15, 30, 60, 120, 240, 480, 960, 1440]
    assert set(minutes[7:]) == {1440} and len(minutes) == 33
    assert CODE_THROTTLE.limit == FAILURE_LIMIT == 100


@given(policy=policies, successes=st.lists(st.integers(0, 150), max_size=5))
def test_only_a_success_ends_the_running_total(
    policy: ThrottlePolicy, successes: list[int]
) -> None:
    now, state = START, FailureState()
    for run in successes:
        for _ in range(min(run, policy.limit - 1)):
            state = record_failure(policy, state, now=now)
            now = (state.locked_until or now) + timedelta(seconds=1)
        assert not state.disabled
        state = record_success(state)
        assert state == FailureState()
    seen = fail_until_disabled(policy, pause=timedelta(0))
    assert len(seen) == policy.limit


def test_a_disabled_state_refuses_everything_and_keeps_counting() -> None:
    policy = ThrottlePolicy(max_failures=3, lock_for=timedelta(minutes=1), limit=4)
    state = FailureState()
    for _ in range(4):
        now = (state.locked_until or START) + timedelta(seconds=1)
        state = record_failure(policy, state, now=now)
    assert state.disabled and state.locked_until is None and state.total == 4
    for later in (now, now + timedelta(days=3650)):
        with pytest.raises(Disabled) as caught:
            check_not_locked(state, now=later)
        assert caught.value.code == "disabled"
    assert record_failure(policy, state, now=now).disabled
    assert forgive_total(state) == state  # nobody else's success undoes it


def test_a_success_on_a_shared_count_ends_the_total_but_not_the_run_or_the_lock() -> None:
    policy = ThrottlePolicy(max_failures=3, lock_for=timedelta(minutes=15), limit=None)
    state = FailureState()
    for _ in range(7):  # two locks and one more wrong try
        state = record_failure(policy, state, now=(state.locked_until or START))
    assert state.total == 7 and state.failures == 1
    forgiven = forgive_total(state)
    assert (forgiven.failures, forgiven.total) == (1, 1)
    locked = record_failure(policy, record_failure(policy, forgiven, now=START), now=START)
    assert locked.locked_until == START + timedelta(minutes=15)  # the first lock again


@given(st.integers(min_value=1, max_value=500))
def test_a_count_without_a_limit_is_never_disabled(failures: int) -> None:
    policy = ThrottlePolicy(max_failures=3, lock_for=timedelta(minutes=15), limit=None)
    state = FailureState()
    for _ in range(failures):
        state = record_failure(policy, state, now=(state.locked_until or START))
    assert not state.disabled and state.total == failures


@pytest.mark.parametrize(
    "bad",
    [
        {"limit": 0},
        {"limit": FAILURE_LIMIT + 1},
        {"growth": 1},
        {"growth": 2.5},
        {"max_lock": timedelta(minutes=1)},
    ],
)
def test_the_limit_and_the_growth_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(max_failures=3, lock_for=timedelta(minutes=15), **bad)  # type: ignore[arg-type]
