"""``segl orders``: the fulfilment desk for device orders."""

from __future__ import annotations

import argparse

from .base import Commands, command, group, json_flag, now, out, refuse

STEPS = ["packed", "shipped", "delivered", "ready_for_pickup", "collected", "cancelled"]


def register(commands: Commands) -> None:
    orders = group(commands, "orders", "device orders: the fulfilment desk")
    p = command(orders, "list", cmd_list, "list orders, oldest first")
    p.add_argument("--status", help="only orders with this status, e.g. ordered")
    p.add_argument("--limit", type=int, default=50)
    json_flag(p)

    p = command(orders, "advance", cmd_advance, "move an order one step")
    p.add_argument("reference")
    p.add_argument("to", choices=STEPS)
    p.add_argument("--operator", help="who did it")
    json_flag(p)

    p = command(orders, "paid", cmd_paid, "mark an order's invoice paid")
    p.add_argument("reference")
    p.add_argument("--operator", help="who did it")
    json_flag(p)


def cmd_list(args: argparse.Namespace) -> int:
    """Orders waiting for a step (or all), oldest first: what the fulfilment desk works on."""
    from segl.orders.selectors import orders_list
    from segl.orders.services import order_summary

    rows = [order_summary(o) for o in orders_list(status=args.status, limit=args.limit)]
    out(
        args,
        {"orders": rows},
        "\n".join(
            f"{r['reference']}  {r['kind']:18} {r['status']:16} {r['payment']:9} "
            f"{r['delivery']:6} {r['serial'] or ''}"
            for r in rows
        )
        or "no orders",
    )
    return 0


def cmd_advance(args: argparse.Namespace) -> int:
    """Move an order one step: packed (takes a device from stock), shipped, delivered, ready
    for pickup, collected, or cancelled."""
    from segl.orders.services import OrderRefused, order_advance, order_summary

    try:
        order = order_advance(
            reference=args.reference.upper(), to=args.to, now=now(), actor=args.operator or "cli"
        )
    except OrderRefused as exc:
        return refuse(f"order:{exc.reason}")
    out(args, order_summary(order), f"{order.reference} is {order.status}")
    return 0


def cmd_paid(args: argparse.Namespace) -> int:
    """Mark an order's invoice paid (the default payment provider)."""
    from segl.orders.services import OrderRefused, order_mark_paid

    try:
        order = order_mark_paid(
            reference=args.reference.upper(), now=now(), actor=args.operator or "cli"
        )
    except OrderRefused as exc:
        return refuse(f"order:{exc.reason}")
    out(args, {"reference": order.reference, "payment": order.payment}, f"{order.reference} paid")
    return 0
