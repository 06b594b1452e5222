"""``segl outbox``: what segl sent by SMS, e-mail and push through the default gateways."""

from __future__ import annotations

import argparse

from .base import Commands, command, json_flag, now, out, refuse


def register(commands: Commands) -> None:
    p = command(
        commands, "outbox", cmd_outbox, "messages sent by SMS, e-mail and push (demo gateways)"
    )
    p.add_argument("--to", help="only to this number or app")
    p.add_argument(
        "--deliver", action="store_true", help="hand messages a gateway refused to it again"
    )
    p.add_argument("--dead", action="store_true", help="the messages refused at every try")
    p.add_argument(
        "--retry", metavar="IDS", help="give dead messages their tries again: numbers, or 'dead'"
    )
    p.add_argument("--limit", type=int, default=20)
    json_flag(p)


def cmd_outbox(args: argparse.Namespace) -> int:
    """The newest messages first; with --deliver, retry those a gateway refused."""
    from segl.notify.delivery import retry_dead
    from segl.notify.gateways import deliver_waiting
    from segl.notify.selectors import dead_messages, outbox_messages

    if args.retry:
        if args.retry == "dead":
            ids = None
        elif all(part.strip().isdigit() for part in args.retry.split(",")):
            ids = [int(part) for part in args.retry.split(",")]
        else:
            return refuse("outbox:retry")
        again = retry_dead(ids=ids)
        out(args, {"retried": again}, f"{again} dead messages will be tried again")
        return 0
    if args.dead:
        dead = dead_messages(limit=args.limit)
        out(
            args,
            {"dead": dead},
            "\n".join(
                f"{d['id']} {d['channel']:6} {d['to']} {d['purpose']}: {d['attempts']} tries, "
                f"last {d['error']}"
                for d in dead
            )
            or "no dead messages",
        )
        return 0
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
