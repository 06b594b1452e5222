"""The signature counter rule of WebAuthn L2 §6.1.1 step 21."""

from __future__ import annotations

import pytest

from segl.core.sign_count import may_be_cloned


@pytest.mark.parametrize(("stored", "received"), [(0, 1), (1, 2), (41, 1000), (5, 6)])
def test_a_counter_that_moves_forward_is_fine(stored: int, received: int) -> None:
    assert not may_be_cloned(stored, received)


def test_an_authenticator_without_a_counter_sends_zero_and_that_is_fine() -> None:
    assert not may_be_cloned(0, 0)


@pytest.mark.parametrize(("stored", "received"), [(5, 5), (5, 4), (5, 0), (1, 0), (100, 99)])
def test_a_counter_that_stands_still_or_goes_back_may_be_a_clone(
    stored: int, received: int
) -> None:
    assert may_be_cloned(stored, received)


def test_a_negative_counter_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        may_be_cloned(-1, 3)
