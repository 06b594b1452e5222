"""A burst of parallel requests against ``segl serve --workers N`` on PostgreSQL: latency
percentiles, status codes and the most connections the server held.

    .venv/bin/python bench/bench_burst.py --size 300 --workers 2

Uses a database of its own (``segl_burst_<port>``) on the PostgreSQL server ``DATABASE_URL``
names, or on 127.0.0.1:5432; it is dropped afterwards. ``--pool-max`` and ``--pool-timeout``
set SEGL_DB_POOL_MAX and SEGL_DB_POOL_TIMEOUT for the server.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import burst  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="requests sent at once")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pool-max", type=int, help="SEGL_DB_POOL_MAX (default: segl's)")
    parser.add_argument("--pool-timeout", type=int, help="SEGL_DB_POOL_TIMEOUT")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("SEGL_TEST_PORT", "8765")) + 12
    )
    args = parser.parse_args()

    settings = {}
    if args.pool_max:
        settings["SEGL_DB_POOL_MAX"] = str(args.pool_max)
    if args.pool_timeout:
        settings["SEGL_DB_POOL_TIMEOUT"] = str(args.pool_timeout)
    port = burst.free_port(range(args.port, args.port + 8))
    server_url = burst.postgres_server(os.environ.get("DATABASE_URL"))
    database_url = burst.fresh_database(server_url, f"segl_burst_{port}")
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    with tempfile.TemporaryDirectory(prefix="segl-burst-") as tmp:
        started = time.perf_counter()
        site = burst.prepare_site(
            Path(tmp), database_url=database_url, redis_url=redis_url, port=port
        )
        server = burst.start_server(site, workers=args.workers, settings=settings)
        print(f"segl serve --workers {args.workers} up in {time.perf_counter() - started:.1f} s")
        try:
            for round_ in range(1, args.rounds + 1):
                requests = burst.burst_requests(server, args.size)
                result = burst.fire(server, requests)
                statuses = ", ".join(f"{s}: {n}" for s, n in sorted(result.statuses.items()))
                print(
                    f"round {round_}: {result.size} requests in {result.seconds:.2f} s;"
                    f" p50 {result.percentile(50) * 1000:.0f} ms,"
                    f" p90 {result.percentile(90) * 1000:.0f} ms,"
                    f" p99 {result.percentile(99) * 1000:.0f} ms,"
                    f" max {max(result.latencies, default=0) * 1000:.0f} ms;"
                    f" statuses {statuses}; failed connections {len(result.failures)};"
                    f" most connections held {result.peak_connections}"
                )
                for kind, counts in sorted(result.by_kind.items()):
                    print(f"    {kind:13} {dict(sorted(counts.items()))}")
        finally:
            server.stop()
    burst.drop_database(database_url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
