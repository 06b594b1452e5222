"""``segl purge``: delete what has served its purpose (run it hourly)."""

from __future__ import annotations

import argparse
from datetime import timedelta

from .base import Commands, command, json_flag, now, out, outbox_days, refuse


def register(commands: Commands) -> None:
    p = command(commands, "purge", cmd_purge, "delete what ended, clear spent secrets (run hourly)")
    p.add_argument("--keep-hours", type=int, default=24, help="keep what ended this recently")
    p.add_argument(
        "--outbox-days",
        type=int,
        default=None,
        help="keep sent and dead messages this many days (default: SEGL_OUTBOX_DAYS, 30)",
    )
    json_flag(p)


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete ended flows, expired grants and tokens, old messages; clear the text of messages
    whose one-time secret has run out."""
    if args.keep_hours < 1 or (args.outbox_days is not None and args.outbox_days < 1):
        return refuse("purge:keep")
    from segl.app.services import app_purge
    from segl.centres.display import displays_purge
    from segl.flows.services import flows_purge
    from segl.limits.store import purge as limits_purge
    from segl.notify.retention import outbox_purge
    from segl.oidc.services import oidc_purge
    from segl.proofing.review import proofings_purge

    keep = timedelta(hours=args.keep_hours)
    counts = {
        **app_purge(now=now(), keep=keep),
        **flows_purge(now=now(), keep=keep),
        **oidc_purge(now=now(), keep=keep),
        **proofings_purge(now=now(), keep=keep),
        **displays_purge(now=now(), keep=keep),
        **outbox_purge(now=now(), keep=timedelta(days=outbox_days(args))),
        "rate_limit_windows": limits_purge(now()),
    }
    out(args, counts, ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()))
    return 0
