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

    p = command(orders, "operator", cmd_operator, "who may use the fulfilment page")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("--user-id", help="the operator's segl user ID")
    p.add_argument("--operator", help="who granted it")
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


def cmd_operator(args: argparse.Namespace) -> int:
    """Let an identity use the fulfilment page, or stop it."""
    from segl.identities.selectors import identity_by_user_id
    from segl.orders.selectors import fulfilment_operators
    from segl.orders.services import operator_grant, operator_revoke

    if args.action == "list":
        ids = fulfilment_operators()
        out(args, {"operators": ids}, "\n".join(ids) or "no fulfilment operators")
        return 0
    if not args.user_id:
        return refuse("order:operator_needs_user_id")
    identity = identity_by_user_id(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    actor = args.operator or "cli"
    if args.action == "add":
        operator_grant(identity=identity, now=now(), actor=actor)
        out(args, {"user_id": identity.user_id}, f"{identity.user_id} may use the fulfilment page")
        return 0
    removed = operator_revoke(identity=identity, now=now(), actor=actor)
    text = "no longer" if removed else "was not"
    out(args, {"removed": removed}, f"{identity.user_id} {text} a fulfilment operator")
    return 0
