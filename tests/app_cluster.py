"""Logins approved with the app, over HTTP, against a ``make cluster`` (deploy/cluster.py): the
people are made through the cluster's database and activated through HAProxy
(bench/app_people.py); the browser and the app may each be sent to one node of their choice,
so a test knows which process holds which request when it kills one. The login itself is driven
by bench/app_login.py, which the soak (bench/bench_scale.py) shares."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bench.app_login import AppPeople, Poll, bind, flow_id, long_poll, qr_now, start_login
from deploy import cluster as make_cluster
from segl.app.emulator import AppEmulator, HttpTransport
from tests.clusters import server_at

__all__ = [
    "AppPeople",
    "NodeTransport",
    "Poll",
    "app",
    "bind",
    "flow_id",
    "long_poll",
    "make_app_people",
    "qr_now",
    "segl",
    "server_at",
    "start_login",
]

ROOT = Path(__file__).resolve().parent.parent


def segl(cluster: make_cluster.Cluster, *argv: str) -> subprocess.CompletedProcess[str]:
    """A ``segl`` command run with the cluster's settings, as its administrator runs it."""
    assert cluster.env is not None
    return subprocess.run(
        [make_cluster.SEGL, *argv], env=cluster.env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def make_app_people(cluster: make_cluster.Cluster, port: int, count: int, state: Path) -> AppPeople:
    assert cluster.env is not None
    made = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "app_people.py"), "--count", str(count),
         "--redirect-uri", f"{cluster.url}/bench-rp/callback", "--state", str(state)],
        env={**cluster.env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.fail(f"making people with the app failed:\n{made.stderr[-3000:]}")
    data = json.loads(made.stdout.strip().splitlines()[-1])
    return AppPeople.made(data, server_at(port, cluster.processes[0]))


class NodeTransport:
    """The app's HTTP, sent to one node straight, past HAProxy, under segl's own name (the
    proofs the app signs still name segl's public address)."""

    def __init__(self, node_port: int) -> None:
        self.node_port = node_port
        self.http = HttpTransport()

    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(url)
        direct = parts._replace(netloc=f"127.0.0.1:{self.node_port}").geturl()
        return self.http.request(
            method, direct, body=body, headers={**headers, "Host": parts.netloc}
        )


def app(people: AppPeople, cluster: make_cluster.Cluster, node_port: int | None = None) -> Any:
    """The people's app emulator, through HAProxy or to one node."""
    transport = NodeTransport(node_port) if node_port else HttpTransport()
    return AppEmulator(cluster.url, state=people.state, transport=transport)
