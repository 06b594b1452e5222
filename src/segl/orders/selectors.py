"""Reading device orders and who may fulfil them."""

from __future__ import annotations

from .models import FulfilmentOperator, Order


def orders_list(*, status: str | None = None, limit: int = 50) -> list[Order]:
    """Orders (with this status), oldest first: what the fulfilment desk works on."""
    found = Order.objects.select_related("device").order_by("created_at")
    if status:
        found = found.filter(status=status)
    return list(found[:limit])


def fulfilment_operators() -> list[str]:
    """The user IDs that may use the fulfilment page, in the order they were added."""
    return [
        str(user_id)
        for user_id in FulfilmentOperator.objects.order_by("added_at").values_list(
            "identity__user_id", flat=True
        )
    ]
