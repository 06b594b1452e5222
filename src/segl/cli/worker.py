"""``segl worker``: sends what waits in the outbox (SMS, e-mail, letters), beside the server."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import timedelta
from types import FrameType

from .base import Commands, command, now, out, outbox_days, refuse

PURGE_EVERY = timedelta(hours=1)


def register(commands: Commands) -> None:
    p = command(commands, "worker", cmd_worker, "send the outbox's messages, with retries")
    p.add_argument("--every", type=float, default=2.0, help="seconds between looks (default 2)")
    p.add_argument("--once", action="store_true", help="one look, then stop (for cron)")
    p.add_argument("--batch", type=int, default=200, help="messages a look sends at most")
    p.add_argument(
        "--outbox-days",
        type=int,
        default=None,
        help="keep sent and dead messages this many days (default: SEGL_OUTBOX_DAYS, 30)",
    )


def cmd_worker(args: argparse.Namespace) -> int:
    """Look for messages that are due every few seconds and send them; once an hour remove
    messages older than ``--outbox-days``. SIGTERM or Ctrl+C: the message being sent is
    finished, then it stops. Any number of workers may run: each message is sent once."""
    if args.every <= 0 or args.batch < 1 or (args.outbox_days is not None and args.outbox_days < 1):
        return refuse("worker:options")
    from segl.notify.delivery import deliver_due
    from segl.notify.retention import outbox_purge

    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stopping)
    signal.signal(signal.SIGINT, stopping)
    purged_at = None
    while True:
        sent, missed = deliver_due(now=now(), limit=args.batch)
        if sent or missed:
            out(args, {"sent": sent, "not_sent": missed}, f"{sent} sent, {missed} not sent")
        if purged_at is None or now() - purged_at >= PURGE_EVERY:
            outbox_purge(now=now(), keep=timedelta(days=outbox_days(args)))
            purged_at = now()
        if args.once or stop.wait(0 if sent == args.batch else args.every):
            return 0
