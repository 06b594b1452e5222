"""Ordering devices (seeds 000, 001): what an order costs, and the steps it goes through.

"The first three MitID code displays you order are free of charge. After the three free ones,
each additional code display costs 41.76 DKK" (an audio code reader 41.71 DKK). Whoever orders
without identifying themselves pays. Amounts are whole øre.

By post an order goes ordered → packed → shipped → delivered; for pickup at a citizen service
centre, ordered → packed → ready for pickup → collected. Any order can be cancelled until it
has left (shipped, or ready for pickup).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "FREE_PER_KIND",
    "NEXT",
    "OrderStateError",
    "Prices",
    "advance",
    "next_steps",
    "price_of",
]

FREE_PER_KIND = 3

ORDERED, PACKED, SHIPPED, DELIVERED = "ordered", "packed", "shipped", "delivered"
READY, COLLECTED, CANCELLED = "ready_for_pickup", "collected", "cancelled"
POST, PICKUP = "post", "pickup"

# The step after each, by delivery.
NEXT: Mapping[str, Mapping[str, str]] = {
    POST: {ORDERED: PACKED, PACKED: SHIPPED, SHIPPED: DELIVERED},
    PICKUP: {ORDERED: PACKED, PACKED: READY, READY: COLLECTED},
}
CANCELLABLE = frozenset({ORDERED, PACKED})


class OrderStateError(ValueError):
    """A step that does not follow from where the order is."""


@dataclass(frozen=True)
class Prices:
    """Prices in øre per device kind (configuration)."""

    code_display: int = 4176
    audio_code_reader: int = 4171
    chip: int = 15000

    def __post_init__(self) -> None:
        for kind in ("code_display", "audio_code_reader", "chip"):
            value = getattr(self, kind)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"the price of {kind} must be a whole, non-negative øre amount")

    def of(self, kind: str) -> int:
        if kind not in ("code_display", "audio_code_reader", "chip"):
            raise ValueError(f"no price for {kind!r}")
        price: int = getattr(self, kind)
        return price


def price_of(kind: str, *, identified: bool, earlier_of_kind: int, prices: Prices) -> int:
    """The price of one more device of ``kind`` for someone who has ordered ``earlier_of_kind``
    of that kind before (not counting cancelled orders). Anonymous orders always pay."""
    if earlier_of_kind < 0:
        raise ValueError("earlier_of_kind must not be negative")
    if identified and earlier_of_kind < FREE_PER_KIND:
        return 0
    return prices.of(kind)


def advance(status: str, *, delivery: str, to: str) -> str:
    """Move an order from ``status`` to ``to``, one step at a time (or cancel it)."""
    if delivery not in NEXT:
        raise OrderStateError(f"unknown delivery {delivery!r}")
    if to == CANCELLED:
        if status not in CANCELLABLE:
            raise OrderStateError(f"an order that is {status} cannot be cancelled")
        return CANCELLED
    if NEXT[delivery].get(status) != to:
        raise OrderStateError(
            f"an order sent by {delivery} goes from {status} to "
            f"{NEXT[delivery].get(status, 'nowhere')}, not {to}"
        )
    return to


def next_steps(status: str, *, delivery: str) -> list[str]:
    """The steps an order can take from ``status``: on its way, and cancelling while it may."""
    steps = [NEXT[delivery][status]] if status in NEXT.get(delivery, {}) else []
    return [*steps, CANCELLED] if status in CANCELLABLE else steps
