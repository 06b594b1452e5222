"""What the tests of ``make cluster`` (deploy/cluster.py) share: a cluster on a PostgreSQL
database of its own, dropped afterwards, and people with code displays made through it.

They need PostgreSQL (``DATABASE_URL``'s server or 127.0.0.1:5432) and Debian's HAProxy;
without them they fail, loudly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis

from bench import bench_http, burst
from deploy import cluster as make_cluster

ROOT = Path(__file__).resolve().parent.parent


def server_at(port: int, process: subprocess.Popen[bytes]) -> burst.Server:
    """HAProxy, or one node, as the browsers of bench/burst.py reach it."""
    return burst.Server(
        url=f"http://localhost:{port}", host="127.0.0.1", port=port, database_url="",
        process=process, log=Path(os.devnull),
    )  # fmt: skip


@contextmanager
def running(workdir: Path, database: str, **options: Any) -> Iterator[make_cluster.Cluster]:
    """``make_cluster.start(workdir, **options)`` on a fresh database named ``database`` (no
    demo), stopped and the database dropped afterwards."""
    server_url = burst.postgres_server(os.environ.get("DATABASE_URL"))
    try:
        database_url = burst.fresh_database(server_url, database)
    except burst.BurstError as exc:
        pytest.fail(f"these tests need PostgreSQL: {exc}")
    try:
        # No delivery workers: these tests send no notices, and the workers' looks would only
        # add to the machine's load while the tests time restarts.
        options.setdefault("delivery_workers", False)
        started = make_cluster.start(workdir, database_url=database_url, demo=False, **options)
    except make_cluster.ClusterError as exc:
        burst.drop_database(database_url)
        pytest.fail(str(exc))
    try:
        yield started
    finally:
        started.stop()
        burst.drop_database(database_url)


def code_people(cluster: make_cluster.Cluster, port: int, count: int) -> bench_http.Target:
    """A relying party and ``count`` people with code displays, made through the cluster's
    database (bench/people.py); its browsers reach the cluster at ``port`` (HAProxy)."""
    assert cluster.env is not None
    made = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "people.py"), "--count", str(count),
         "--redirect-uri", f"{cluster.url}/bench-rp/callback"],
        env={**cluster.env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    data = json.loads(made.stdout.strip().splitlines()[-1])
    return bench_http.Target(
        name="cluster",
        server=server_at(port, cluster.processes[0]),
        rp={k: data[k] for k in ("client_id", "client_secret", "redirect_uri")},
        password=data["password"],
        people=[(user_id, bytes.fromhex(seed)) for user_id, seed in data["people"]],
    )


def own_redis(first: int) -> str:
    """A Redis database of this test worker's own (``first`` plus the worker's number) on
    ``REDIS_URL``'s server, emptied: limits counted by an earlier run within the minute must
    not count here."""
    server = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    url = server._replace(path=f"/{first + worker}").geturl()
    redis.Redis.from_url(url).flushdb()
    return url


def user_id_three_times(target: bench_http.Target, user_id: str) -> tuple[list[int], set[str]]:
    """``user_id`` posted on three new logins' pages, round robin across the nodes: the
    answers' statuses, and the nodes that gave them."""
    requests = bench_http._step_requests(target)
    statuses, nodes = [], set()
    for _ in range(3):
        login = bench_http.Login(burst.Browser(target.server), user_id, b"")
        requests["authorize"](login)
        requests["user ID page"](login)
        answer = login.browser.post(
            login.path, {"csrfmiddlewaretoken": login.csrf, "step": "user_id", "user_id": user_id}
        )
        statuses.append(answer.status)
        nodes.add(answer.headers["X-Segl-Node"])
    return statuses, nodes
