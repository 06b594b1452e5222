"""``segl outbox``: what segl sent by SMS, e-mail and push through the default gateways."""

from __future__ import annotations

import argparse

from .base import Commands, command, json_flag, now, out


def register(commands: Commands) -> None:
    p = command(
        commands, "outbox", cmd_outbox, "messages sent by SMS, e-mail and push (demo gateways)"
    )
    p.add_argument("--to", help="only to this number or app")
    p.add_argument(
        "--deliver", action="store_true", help="hand messages a gateway refused to it again"
    )
    p.add_argument("--limit", type=int, default=20)
    json_flag(p)


def cmd_outbox(args: argparse.Namespace) -> int:
    """The newest messages first; with --deliver, retry those a gateway refused."""
    from segl.notify.gateways import deliver_waiting
    from segl.notify.selectors import outbox_messages

    if args.deliver:
        delivered, waiting = deliver_waiting(now=now())
        out(
            args,
            {"delivered": delivered, "waiting": waiting},
            f"{delivered} delivered, {waiting} still waiting",
        )
        return 0 if waiting == 0 else 1
    rows = outbox_messages(to=args.to, limit=args.limit)
    out(
        args,
        {"messages": rows},
        "\n".join(f"{r['at']:%H:%M:%S} {r['channel']:5} {r['to']}: {r['text']}" for r in rows)
        or "no messages",
    )
    return 0
