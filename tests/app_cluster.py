"""Logins approved with the app, over HTTP, against a ``make cluster`` (deploy/cluster.py): the
people are made through the cluster's database and activated through HAProxy
(bench/app_people.py); the browser and the app may each be sent to one node of their choice,
so a test knows which process holds which request when it kills one."""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from bench import bench_http, burst
from deploy import cluster as make_cluster
from segl.app.emulator import AppEmulator, HttpTransport
from segl.core.binding import qr_payload

ROOT = Path(__file__).resolve().parent.parent


def server_at(port: int, process: subprocess.Popen[bytes]) -> burst.Server:
    """HAProxy, or one node, as the browsers of bench/burst.py reach it."""
    return burst.Server(
        url=f"http://localhost:{port}", host="127.0.0.1", port=port, database_url="",
        process=process, log=Path("/dev/null"),
    )  # fmt: skip


def segl(cluster: make_cluster.Cluster, *argv: str) -> subprocess.CompletedProcess[str]:
    """A ``segl`` command run with the cluster's settings, as its administrator runs it."""
    assert cluster.env is not None
    return subprocess.run(
        [make_cluster.SEGL, *argv], env=cluster.env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


@dataclass
class AppPeople:
    """People with an activated app, and the relying party they log in to."""

    target: bench_http.Target  # the RP, and HAProxy as the server
    pin: str
    user_ids: list[str]
    state: Path
    used: int = 0

    def take(self) -> str:
        self.used += 1
        return self.user_ids[self.used - 1]


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
    target = bench_http.Target(
        name="cluster",
        server=server_at(port, cluster.processes[0]),
        rp={k: data[k] for k in ("client_id", "client_secret", "redirect_uri")},
        password="",
        people=[],
    )
    return AppPeople(target=target, pin=data["pin"], user_ids=data["people"], state=state)


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


def start_login(people: AppPeople, user_id: str) -> bench_http.Login:
    """Through HAProxy: authorize, the user ID; the browser is at the app's step."""
    login = bench_http.Login(burst.Browser(people.target.server), user_id, b"")
    bench_http._authorize(people.target, login)
    bench_http._page(login, "user ID page")
    bench_http._post(login, {"step": "user_id", "user_id": user_id}, "user ID")
    page = bench_http._page(login, "the first method's page")
    if "data-qr" not in page.body:
        # A new browser starts with the code display, whatever the identity has (decision
        # 17): "Change identification method", the segl app.
        answer = login.browser.post(
            login.path + "method/", {"csrfmiddlewaretoken": login.csrf, "method": "app"}
        )
        assert answer.status == 302, answer.body[:300]
        page = bench_http._page(login, "the app's page")
    assert "data-qr" in page.body, "the login page shows the app's QR code"
    return login


def flow_id(login: bench_http.Login) -> str:
    return login.path.rstrip("/").split("/")[-1]


def qr_now(database_url: str, flow: str) -> str:
    """The QR code's text this second, as the login page's image shows it."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT qr_secret FROM app_apprequest WHERE flow_id = %s "
            "ORDER BY created_at DESC LIMIT 1",
            (flow,),
        ).fetchone()
    assert row is not None, "the login asked the app"
    return qr_payload(flow, int(datetime.now(UTC).timestamp()), base64.urlsafe_b64decode(row[0]))


def bind(emulator: Any, people: AppPeople, login: bench_http.Login, database_url: str) -> Any:
    """Unlock by PIN, find the request, scan the QR code: what the app shows, to be signed."""
    emulator.unlock(login.user_id, people.pin)
    pending = emulator.pending(login.user_id)
    assert pending is not None, "the app sees the login's request"
    return emulator.bind(login.user_id, pending["id"], qr=qr_now(database_url, flow_id(login)))


@dataclass
class Poll:
    """The login page's long-poll for the app's answer, in a thread of its own, on one server."""

    browser: burst.Browser
    path: str
    answer: burst.Answer | None = None
    error: BaseException | None = None
    at: float = 0.0
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.answer = self.browser.request(
                "GET", self.path, accept="application/json", timeout=40
            )
        except (OSError, http.client.HTTPException) as exc:  # the node went away
            self.error = exc
        self.at = time.monotonic()

    def join(self, timeout: float = 40) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the long-poll did not end"


def long_poll(
    login: bench_http.Login, server: burst.Server, since: str = "bound", wait: int = 20
) -> Poll:
    """Start the page's long-poll, from the login's browser (its cookies), sent to ``server``;
    returns once it is waiting there."""
    browser = burst.Browser(server, dict(login.browser.cookies))
    poll = Poll(browser, f"{login.path}app/status?since={since}&wait={wait}")
    poll.thread.start()
    time.sleep(0.3)  # a look or two: the request has reached its node and waits
    assert poll.thread.is_alive(), f"the long-poll answered at once: {poll.answer}"
    return poll
