"""A burst of parallel requests against ``segl serve``, over HTTP, on PostgreSQL.

The driver that tests/test_burst.py and bench/bench_burst.py share. It makes a database of its
own on a PostgreSQL server, a settings file with ``segl init``, loads the demo, starts
``segl serve --workers N`` as a real process, prepares logins, and then sends every request of
the burst at once (a barrier releases the threads together), counting status codes and timing
each answer, while it watches how many connections the server holds.

The requests all reach the database: ``GET /o/authorize/`` (a new login flow and its audit
event), a user ID posted on a login page (known and unknown user IDs), the portal's landing
page with a session cookie (a session lookup) and an order's status page (an order lookup).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEMO_BANK = "demo-bank"  # segl.demo_rp.views.CLIENT_ID
KNOWN_USER_ID = "demo-anna"
# What a burst may answer: the pages' own answers, 429 from a rate limit and 503 from a full
# pool. Never 500.
EXPECTED = frozenset({200, 302, 400, 403, 404, 429, 503})


class BurstError(Exception):
    """The burst could not be set up (no PostgreSQL, the server did not start, ...)."""


def segl_command() -> list[str]:
    """The installed ``segl`` command of this Python, as an administrator runs it."""
    script = Path(sys.executable).with_name("segl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "segl.cli"]


def postgres_server(database_url: str | None) -> str:
    """The PostgreSQL server to use: the one ``DATABASE_URL`` names, else the local one."""
    if database_url and urlsplit(database_url).scheme in ("postgres", "postgresql"):
        return database_url
    return LOCAL_POSTGRES


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def fresh_database(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server; its URL. Fails loudly if unreachable."""
    import psycopg

    if not re.fullmatch(r"[a-z0-9_]{1,63}", name):
        raise ValueError(f"not a plain database name: {name!r}")
    admin = with_database(server_url, "postgres")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        raise BurstError(f"PostgreSQL at {urlsplit(admin).netloc} is not reachable: {exc}") from exc
    return with_database(server_url, name)


def drop_database(database_url: str) -> None:
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    with (
        contextlib.suppress(psycopg.Error),
        psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as conn,
    ):
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port(candidates: range) -> int:
    for port in candidates:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise BurstError(f"no free port in {candidates.start}-{candidates.stop - 1}")


@dataclass
class Server:
    """``segl serve`` running as a process of its own."""

    url: str
    host: str
    port: int
    database_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class Site:
    """A settings file, a database and its demo data: what ``segl serve`` is started on."""

    workdir: Path
    database_url: str
    redis_url: str
    port: int
    segl: tuple[str, ...] = ()  # the ``segl`` command to run; this Python's when empty

    @property
    def command(self) -> list[str]:
        return list(self.segl) or segl_command()

    def run(self, argv: list[object], *, what: str, timeout: float = 300) -> str:
        """Run ``argv`` in the site's folder and settings; its output, or BurstError."""
        done = subprocess.run(
            [str(arg) for arg in argv],
            env=self.env(),
            cwd=self.workdir,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise BurstError(f"{what} failed:\n{done.stderr.decode(errors='replace')}")
        return done.stdout.decode()

    def env(self, settings: dict[str, str] | None = None) -> dict[str, str]:
        """The environment of an administrator's shell: this process's own settings left out."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SEGL_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(
            SEGL_ENV_FILE=str(self.workdir / "segl.env"),
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SEGL_BASE_URL=f"http://localhost:{self.port}",
            # Rate limits would answer 429 before the database is reached; lift them.
            SEGL_RATE_LIMIT_IP="1000000",
            SEGL_RATE_LIMIT_USER="1000000",
        )
        env.update(settings or {})
        return env


def prepare_site(
    workdir: Path,
    *,
    database_url: str,
    redis_url: str,
    port: int,
    segl: tuple[str, ...] = (),
    demo: bool = True,
) -> Site:
    """``segl init`` (development), ``segl migrate`` and ``segl demo load`` (unless ``demo`` is
    false), with the ``segl`` command given (another checkout's) or this Python's."""
    workdir.mkdir(parents=True, exist_ok=True)
    site = Site(
        workdir=workdir, database_url=database_url, redis_url=redis_url, port=port, segl=segl
    )
    steps = [
        ["init", "--env-file", str(workdir / "segl.env"), "--env", "development", "--force"],
        ["migrate", "--quiet"],
    ]
    for argv in [*steps, *([["demo", "load", "--json"]] if demo else [])]:
        site.run([*site.command, *argv], what=f"segl {argv[0]}")
    return site


def start_server(
    site: Site,
    *,
    workers: int = 2,
    settings: dict[str, str] | None = None,
    command: list[str] | None = None,
) -> Server:
    """``segl serve --workers N`` on ``site`` (or ``command``, another server running segl's
    application on the site's port); returns once /healthz answers."""
    log = site.workdir / "serve.log"
    argv = ["serve", "--host", "127.0.0.1", "--port", str(site.port), "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command or [*site.command, *argv],
            env=site.env(settings),
            cwd=site.workdir,
            stdout=out,
            stderr=out,
        )
    server = Server(
        url=f"http://localhost:{site.port}",
        host="127.0.0.1",
        port=site.port,
        database_url=site.database_url,
        process=process,
        log=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BurstError(f"segl serve stopped:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            if Browser(server).get("/healthz").status == 200:
                return server
        time.sleep(0.2)
    server.stop()
    raise BurstError(f"segl serve did not answer within 60 s:\n{server.log_tail()}")


# --- a browser, as little of one as the burst needs ------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage  # names in any case
    body: str
    seconds: float


@dataclass
class Browser:
    """One client with its cookies and one kept-alive connection, as a browser holds them."""

    server: Server
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        accept: str = "text/html",
        timeout: float = 60,
        extra_headers: dict[str, str] | None = None,
    ) -> Answer:
        headers = {
            "Host": f"localhost:{self.server.port}",
            "Accept": accept,
            **(extra_headers or {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            response = self._send(method, path, body, headers, timeout)
            text = response.read().decode("utf-8", errors="replace")
        except BaseException:
            self.close()
            raise
        seconds = time.perf_counter() - started
        if response.will_close:
            self.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, response.headers, text, seconds)

    def _send(
        self, method: str, path: str, body: str | None, headers: dict[str, str], timeout: float
    ) -> http.client.HTTPResponse:
        """The response on the browser's kept connection; a new one if the server had closed
        it while idle (a browser does the same)."""
        for attempt in (1, 2):
            reused = self.connection is not None
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.server.host, self.server.port, timeout=timeout
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                return self.connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if not reused or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def __del__(self) -> None:
        self.close()

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        return self.request("POST", path, form)


def authorize_path(server: Server) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": DEMO_BANK,
        "redirect_uri": f"{server.url}/demo-bank/callback/",
        "scope": "openid",
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    return "/o/authorize/?" + urlencode(params)


@dataclass
class LoginPage:
    """A login flow at its user-ID step, as a browser holds it: URL, cookies, CSRF token."""

    browser: Browser
    path: str
    csrf: str


def open_login(server: Server) -> LoginPage:
    browser = Browser(server)
    started = browser.get(authorize_path(server))
    location = started.headers.get("Location", "")
    if started.status != 302 or not location:
        raise BurstError(f"authorize answered {started.status}: {started.body[:300]}")
    path = urlsplit(location).path
    page = browser.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or token is None:
        raise BurstError(f"the login page answered {page.status}")
    return LoginPage(browser=browser, path=path, csrf=token.group(1))


def login_held_by_lock(server: Server, lock: Any) -> tuple[threading.Thread, list[Answer]]:
    """A login started in a thread of its own that waits inside its transaction, on the lock of
    ``flows_flow`` the caller holds on the psycopg connection ``lock``; returns once PostgreSQL
    shows it waiting. Its answer goes into the list when the thread ends."""
    answers: list[Answer] = []
    thread = threading.Thread(
        target=lambda: answers.append(Browser(server).get(authorize_path(server)))
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not lock.execute(
        "SELECT count(*) FROM pg_locks WHERE relation = 'flows_flow'::regclass AND NOT granted"
    ).fetchone()[0]:
        if time.monotonic() > deadline:
            raise BurstError(f"the login never waited for the lock:\n{server.log_tail()}")
        time.sleep(0.02)
    return thread, answers


# --- the burst -------------------------------------------------------------------------------

Request = Callable[[], Answer]


def burst_requests(server: Server, size: int) -> list[tuple[str, Request]]:
    """``size`` requests of four kinds that reach the database; the login pages the user IDs
    are posted on are opened first (not part of the burst)."""
    quarter = size // 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        logins = list(pool.map(lambda _: open_login(server), range(size - 3 * quarter)))
    requests: list[tuple[str, Request]] = []
    for n, login in enumerate(logins):
        user_id = KNOWN_USER_ID if n % 2 == 0 else f"nobody-{secrets.token_hex(4)}"
        form = {"csrfmiddlewaretoken": login.csrf, "step": "user_id", "user_id": user_id}
        requests.append(
            ("user ID", lambda login=login, form=form: login.browser.post(login.path, form))
        )
    for _ in range(quarter):
        requests.append(("authorize", lambda: Browser(server).get(authorize_path(server))))
    for _ in range(quarter):
        cookie = {"sessionid": secrets.token_hex(16)}
        requests.append(
            ("portal", lambda cookie=cookie: Browser(server, dict(cookie)).get("/portal/"))
        )
    for _ in range(quarter):
        path = f"/portal/orders/{secrets.token_hex(4).upper()}/"
        requests.append(("order status", lambda path=path: Browser(server).get(path)))
    return requests


@dataclass
class Result:
    size: int
    seconds: float
    statuses: Counter[int]
    by_kind: dict[str, Counter[int]]
    latencies: list[float]
    failures: list[str]
    peak_connections: int
    retry_after_missing: int

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


@contextlib.contextmanager
def watch_connections(database_url: str) -> Iterator[list[int]]:
    """Count the server's connections to its database every 20 ms; the peak is ``[0]``."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    peak = [0]
    stop = threading.Event()

    def watch() -> None:
        with psycopg.connect(with_database(database_url, "postgres"), autocommit=True) as conn:
            while not stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
                ).fetchone()
                peak[0] = max(peak[0], int(row[0]) if row else 0)
                stop.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield peak
    finally:
        stop.set()
        watcher.join(timeout=5)


def fire(server: Server, requests: list[tuple[str, Request]]) -> Result:
    """Send every request at the same moment, each on a connection of its own."""
    barrier = threading.Barrier(len(requests) + 1)
    answers: list[tuple[str, Answer | None, str]] = [("", None, "")] * len(requests)

    def run(index: int, kind: str, request: Request) -> None:
        barrier.wait()
        try:
            answers[index] = (kind, request(), "")
        except Exception as exc:  # a connection the server dropped: count it, do not hide it
            answers[index] = (kind, None, f"{kind}: {type(exc).__name__}: {exc}")

    threads = [
        threading.Thread(target=run, args=(i, kind, request), daemon=True)
        for i, (kind, request) in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    postgres = server.database_url.startswith(("postgres:", "postgresql:"))
    watching = watch_connections(server.database_url) if postgres else contextlib.nullcontext([0])
    with watching as peak:
        started = time.perf_counter()
        barrier.wait()
        for thread in threads:
            thread.join(timeout=120)
        seconds = time.perf_counter() - started
    statuses: Counter[int] = Counter()
    by_kind: dict[str, Counter[int]] = {}
    latencies, failures, missing = [], [], 0
    for kind, answer, failure in answers:
        if answer is None:
            failures.append(failure or f"{kind}: no answer")
            continue
        statuses[answer.status] += 1
        by_kind.setdefault(kind, Counter())[answer.status] += 1
        latencies.append(answer.seconds)
        if answer.status == 503 and "Retry-After" not in answer.headers:
            missing += 1
    return Result(
        size=len(requests),
        seconds=seconds,
        statuses=statuses,
        by_kind=by_kind,
        latencies=latencies,
        failures=failures,
        peak_connections=peak[0],
        retry_after_missing=missing,
    )


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
