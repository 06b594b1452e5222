"""The price of an order and the steps it goes through (seeds 000, 001)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.ordering import NEXT, OrderStateError, Prices, advance, next_steps, price_of

PRICES = Prices()


def test_the_seeds_prices() -> None:
    assert PRICES.of("code_display") == 4176  # 41.76 DKK
    assert PRICES.of("audio_code_reader") == 4171  # 41.71 DKK


@pytest.mark.parametrize("kind", ["code_display", "audio_code_reader", "chip"])
def test_the_first_three_of_each_kind_are_free_and_the_fourth_costs(kind: str) -> None:
    paid = [price_of(kind, identified=True, earlier_of_kind=n, prices=PRICES) for n in range(5)]
    assert paid == [0, 0, 0, PRICES.of(kind), PRICES.of(kind)]


@given(st.sampled_from(["code_display", "audio_code_reader", "chip"]), st.integers(0, 100))
def test_an_order_without_identification_always_pays(kind: str, earlier: int) -> None:
    assert price_of(kind, identified=False, earlier_of_kind=earlier, prices=PRICES) > 0


def test_prices_are_configuration() -> None:
    cheap = Prices(code_display=1000, audio_code_reader=2000, chip=9900)
    assert price_of("chip", identified=True, earlier_of_kind=3, prices=cheap) == 9900
    with pytest.raises(ValueError):
        Prices(code_display=-1)
    with pytest.raises(ValueError):
        Prices(chip=12.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PRICES.of("app")


def test_by_post_an_order_is_packed_shipped_and_delivered() -> None:
    status = "ordered"
    for step in ("packed", "shipped", "delivered"):
        status = advance(status, delivery="post", to=step)
    assert status == "delivered"


def test_for_pickup_it_is_packed_made_ready_and_collected() -> None:
    status = "ordered"
    for step in ("packed", "ready_for_pickup", "collected"):
        status = advance(status, delivery="pickup", to=step)
    assert status == "collected"


@pytest.mark.parametrize(
    ("status", "delivery", "to"),
    [
        ("ordered", "post", "shipped"),  # no skipping
        ("packed", "post", "ready_for_pickup"),  # the other delivery's step
        ("delivered", "post", "delivered"),
        ("shipped", "post", "packed"),  # no going back
        ("ordered", "drone", "packed"),
    ],
)
def test_steps_out_of_order_are_refused(status: str, delivery: str, to: str) -> None:
    with pytest.raises(OrderStateError):
        advance(status, delivery=delivery, to=to)


def test_an_order_can_be_cancelled_until_it_has_left() -> None:
    assert advance("ordered", delivery="post", to="cancelled") == "cancelled"
    assert advance("packed", delivery="pickup", to="cancelled") == "cancelled"
    for gone in ("shipped", "delivered", "ready_for_pickup", "collected", "cancelled"):
        delivery = "pickup" if gone in ("ready_for_pickup", "collected") else "post"
        with pytest.raises(OrderStateError):
            advance(gone, delivery=delivery, to="cancelled")


def test_every_step_is_reachable_and_each_path_ends() -> None:
    for delivery, steps in NEXT.items():
        status, seen = "ordered", ["ordered"]
        while status in steps:
            status = steps[status]
            seen.append(status)
        assert len(seen) == 4 and len(set(seen)) == 4, (delivery, seen)


@pytest.mark.parametrize(
    ("delivery", "status", "steps"),
    [
        ("post", "ordered", ["packed", "cancelled"]),
        ("post", "packed", ["shipped", "cancelled"]),
        ("post", "shipped", ["delivered"]),
        ("post", "delivered", []),
        ("pickup", "packed", ["ready_for_pickup", "cancelled"]),
        ("pickup", "ready_for_pickup", ["collected"]),
        ("pickup", "collected", []),
        ("post", "cancelled", []),
    ],
)
def test_next_steps_are_the_steps_advance_accepts(delivery, status, steps):
    assert next_steps(status, delivery=delivery) == steps
    for step in steps:
        assert advance(status, delivery=delivery, to=step) == step
