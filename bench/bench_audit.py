"""Benchmark: appending audit events, and `segl audit verify` over a large log.

Run with ``.venv/bin/python bench/bench_audit.py --events 100000``. Uses a fresh SQLite
database under var/bench-audit unless DATABASE_URL is set (that database is emptied first).
Verification streams: its peak memory is measured at a tenth of the log and at the whole log,
and should not grow with it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("SEGL_ENV", "test")
os.environ.setdefault("SEGL_DATA_DIR", str(ROOT / "var" / "bench-audit"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")

from bench.database import fresh_database  # noqa: E402


def append(count: int, per_transaction: int) -> float:
    """Seconds to append ``count`` events through audit_record, ``per_transaction`` at a time."""
    from django.db import transaction

    from segl.audit.services import audit_record

    start = time.perf_counter()
    for first in range(0, count, per_transaction):
        with transaction.atomic():
            for i in range(first, min(count, first + per_transaction)):
                audit_record(
                    action="bench.event",
                    actor="bench",
                    subject=f"bench-{i % 1000}",
                    ip="127.0.0.1",
                    data={"i": i, "note": "a typical small payload"},
                )
    return time.perf_counter() - start


def checkpoint(path: Path) -> None:
    from segl.audit.anchors import FileSink, audit_checkpoint

    audit_checkpoint(now=datetime.now(UTC), sinks=[FileSink(path)])


def verify(path: Path) -> tuple[float, float, float, int]:
    """Events per second (wall, CPU), peak traced memory (MiB) of a second run, event count."""
    from segl.audit.keys import verify_keys
    from segl.audit.verify import audit_check

    with path.open() as lines:
        wall, cpu = time.perf_counter(), time.process_time()
        report = audit_check(checkpoints=lines, verify_keys=verify_keys())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert report.ok, report.breaks + report.checkpoint_problems
    tracemalloc.start()
    with path.open() as lines:
        audit_check(checkpoints=lines, verify_keys=verify_keys())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return report.events / wall, report.events / cpu, peak / 2**20, report.events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-transaction", type=int, default=1)
    args = parser.parse_args()
    fresh_database()
    from django.db import connection

    tenth = args.events // 10
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoints.jsonl"
        seconds = append(tenth, args.per_transaction)
        checkpoint(path)
        small = verify(path)
        seconds += append(args.events - tenth, args.per_transaction)
        checkpoint(path)
        large = verify(path)
    print(f"database: {connection.vendor}")
    rate = args.events / seconds
    print(f"append, {args.per_transaction} per transaction: {rate:8.0f} events per second")
    for wall_rate, cpu_rate, peak, events in (small, large):
        print(
            f"verify {events:>9,} events with checkpoints: {wall_rate:8.0f} per second"
            f" ({cpu_rate:.0f} per CPU second), peak Python memory {peak:5.1f} MiB"
        )


if __name__ == "__main__":
    main()
