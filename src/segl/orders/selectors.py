"""Reading device orders."""

from __future__ import annotations

from segl.core import ordering

from .models import Order

OPEN_ORDERS_SHOWN = 200


def orders_list(*, status: str | None = None, limit: int = 50) -> list[Order]:
    """Orders (with this status), oldest first: what the fulfilment desk works on."""
    found = Order.objects.select_related("device").order_by("created_at")
    if status:
        found = found.filter(status=status)
    return list(found[:limit])


def orders_open() -> list[tuple[Order, list[str]]]:
    """The orders not yet done, oldest first, each with the steps the fulfilment page can take
    next (collected is the desk's: the person's ID is checked there)."""
    rows = (
        Order.objects.select_related("device")
        .exclude(status__in=["delivered", "collected", "cancelled"])
        .order_by("created_at")[:OPEN_ORDERS_SHOWN]
    )
    return [
        (
            o,
            [
                s
                for s in ordering.next_steps(o.status, delivery=o.delivery)
                if s != Order.Status.COLLECTED
            ],
        )
        for o in rows
    ]
