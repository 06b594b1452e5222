"""The life of an authenticator: every (status, event) pair, and walks through it."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core import lifecycle
from segl.core.errors import SeglError, TransitionRefused
from segl.core.lifecycle import Event, Status

N, A, S, R = Status.NEW, Status.ACTIVE, Status.SUSPENDED, Status.RETIRED
ACTIVATE, SUSPEND, REINSTATE, RETIRE = Event

# Written out in full, one row per status, so a change to the rules shows here as a diff.
# None: refused.
TABLE: dict[Status, dict[Event, Status | None]] = {
    N: {ACTIVATE: A, SUSPEND: None, REINSTATE: None, RETIRE: None},
    A: {ACTIVATE: None, SUSPEND: S, REINSTATE: None, RETIRE: R},
    S: {ACTIVATE: None, SUSPEND: None, REINSTATE: A, RETIRE: R},
    R: {ACTIVATE: None, SUSPEND: None, REINSTATE: None, RETIRE: None},
}


def test_the_table_covers_every_pair() -> None:
    assert set(TABLE) == set(Status)
    assert all(set(row) == set(Event) for row in TABLE.values())


@pytest.mark.parametrize(
    ("status", "event"), list(itertools.product(Status, Event)), ids=lambda v: str(v)
)
def test_every_status_and_event(status: Status, event: Event) -> None:
    expected = TABLE[status][event]
    assert lifecycle.allowed(status, event) is (expected is not None)
    assert (event in lifecycle.events_from(status)) is (expected is not None)
    if expected is None:
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.apply(status, event)
        assert (refused.value.status, refused.value.event) == (status.value, event.value)
        assert refused.value.code == "lifecycle_refused"
        assert isinstance(refused.value, SeglError)
    else:
        assert lifecycle.apply(status, event) is expected


def test_the_stored_strings_are_accepted() -> None:
    assert lifecycle.apply("suspended", "reinstate") is Status.ACTIVE
    assert lifecycle.events_from("active") == [SUSPEND, RETIRE]


def test_retired_is_final() -> None:
    assert {R} == lifecycle.FINAL
    assert lifecycle.events_from(R) == []
    with pytest.raises(TransitionRefused, match="reinstate refused: the authenticator is retired"):
        lifecycle.apply("retired", "reinstate")


def test_only_an_active_authenticator_proves_anything() -> None:
    assert [s for s in Status if lifecycle.usable(s)] == [A]


@pytest.mark.parametrize(("status", "event"), [("lost", "suspend"), ("active", "delete")])
def test_what_does_not_exist_is_a_programming_error(status: str, event: str) -> None:
    with pytest.raises(ValueError) as raised:
        lifecycle.apply(status, event)
    assert not isinstance(raised.value, SeglError)


@given(st.lists(st.sampled_from(list(Event)), max_size=30))
def test_any_walk_follows_the_table_and_never_leaves_retired(events: list[Event]) -> None:
    status = N
    for event in events:
        expected = TABLE[status][event]
        try:
            after = lifecycle.apply(status, event)
        except TransitionRefused:
            assert expected is None
            continue
        assert after is expected
        assert status not in lifecycle.FINAL
        status = after
    assert lifecycle.usable(status) is (status is A)
