"""Whole logins over HTTP against ``segl serve``, as a browser and an RP make them: the latency
of each request and the server's CPU time for it, beside a baseline checkout in the same run.

    python bench/bench_http.py                            # this checkout, SQLite (embedded)
    python bench/bench_http.py --baseline ../segl-before  # and another checkout, alternating
    python bench/bench_http.py --database postgres        # a database of its own on PostgreSQL

Each server is ``segl serve`` (one worker, as it runs by default) started from its checkout's
own ``.venv`` on a settings file from ``segl init`` and a fresh database; its people are made by
``bench/people.py`` run with that checkout's Python. One client sends one request at a time, so
a latency is the server's answer, not a queue. A login is the ten requests a browser and the RP
send (authorize, the user ID page, the user ID, the code page, the code, the password page, the
password, the done page, finish, the token request); the logins of a round go through each
request in turn, so the server's CPU time (its processes' user and system time, read from
``/proc`` before and after) is measured per kind of request. Then the user ID and a wrong code,
for known and unknown user IDs: a citizen must not be able to tell them apart by time. And
``GET /healthz`` (every middleware and ``SELECT 1``): the least a request costs.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import burst  # noqa: E402
from segl.core import otp  # noqa: E402

STEPS = (
    "authorize",
    "user ID page",
    "user ID",
    "code page",
    "code",
    "password page",
    "password",
    "done page",
    "finish",
    "token",
)
TICK = os.sysconf("SC_CLK_TCK")


def server_cpu(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` and every process under it."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICK
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(children.get(current, []))
    return total


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of process ``pid`` and of the processes under it onto ``cpus``."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            if int(entry.name) != pid and parent != pid:
                continue
            for task in (entry / "task").iterdir():
                os.sched_setaffinity(int(task.name), cpus)
        except (OSError, ValueError):
            continue


@dataclass
class Target:
    """One checkout served: its name in the report, its server and the people made in it."""

    name: str
    server: burst.Server
    rp: dict[str, str]
    password: str
    people: list[tuple[str, bytes]]
    used: int = 0
    seconds: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)  # per request, per round
    login_seconds: list[float] = field(default_factory=list)
    parity: dict[str, list[float]] = field(default_factory=dict)

    def take(self, n: int) -> list[tuple[str, bytes]]:
        taken, self.used = self.people[self.used : self.used + n], self.used + n
        if len(taken) < n:
            raise burst.BurstError("not enough people made for the rounds asked")
        return taken


FLOOR = "GET /healthz"
# The servers segl's application was measured on (decision 38); "segl" is ``segl serve``.
SERVERS = ("segl", "uvicorn-h11", "gunicorn", "granian")


def server_command(server: str, checkout: Path, port: int) -> list[str] | None:
    """How to run segl's ASGI application on one worker under ``server``."""
    bin_ = checkout / ".venv" / "bin"
    app, host = "segl.asgi:application", "127.0.0.1"
    if server == "segl":
        return None
    if server == "uvicorn-h11":  # uvicorn on its pure-Python parser and asyncio's own loop
        return [
            str(bin_ / "python"),
            "-m",
            "uvicorn",
            app,
            "--host",
            host,
            "--port",
            str(port),
            "--loop",
            "asyncio",
            "--http",
            "h11",
            "--log-level",
            "warning",
            "--no-proxy-headers",
        ]
    if server == "gunicorn":  # gunicorn's arbiter with one uvicorn worker
        return [
            str(bin_ / "gunicorn"),
            app,
            "--worker-class",
            "uvicorn.workers.UvicornWorker",
            "--workers",
            "1",
            "--bind",
            f"{host}:{port}",
            "--log-level",
            "warning",
        ]
    if server == "granian":  # granian's Rust HTTP server, its ASGI interface
        return [
            str(bin_ / "granian"),
            "--interface",
            "asgi",
            "--host",
            host,
            "--port",
            str(port),
            "--workers",
            "1",
            "--loop",
            "uvloop",
            "--no-ws",
            "--log-level",
            "warning",
            app,
        ]
    raise burst.BurstError(f"unknown server {server!r}; known: {', '.join(SERVERS)}")


def start(
    name: str,
    checkout: Path,
    *,
    server_kind: str = "segl",
    database: str,
    port: int,
    people: int,
    workdir: Path,
    server_cpus: set[int],
    settings: dict[str, str],
    workers: int = 1,
    redis_url: str = "",
) -> Target:
    python = checkout / ".venv" / "bin" / "python"
    if not python.exists():
        raise burst.BurstError(f"{checkout} has no .venv: run 'make install' there first")
    segl = (str(checkout / ".venv" / "bin" / "segl"),)
    if database == "postgres":
        server_url = burst.postgres_server(os.environ.get("DATABASE_URL"))
        database_url = burst.fresh_database(server_url, f"segl_http_{port}")
    else:
        database_url = f"sqlite:///{workdir / 'segl.sqlite3'}"
    site = burst.prepare_site(
        workdir, database_url=database_url, redis_url=redis_url, port=port, segl=segl, demo=False
    )
    redirect = f"http://localhost:{port}/bench-rp/callback"
    made = site.run(
        [python, ROOT / "bench" / "people.py", "--count", people, "--redirect-uri", redirect],
        what="making people",
        timeout=600,
    )
    data = json.loads(made.strip().splitlines()[-1])
    server = burst.start_server(
        site,
        workers=workers,
        settings=settings,
        command=server_command(server_kind, checkout, port),
    )
    if server_cpus:
        pin(server.process.pid, server_cpus)
    return Target(
        name=name,
        server=server,
        rp={k: data[k] for k in ("client_id", "client_secret", "redirect_uri")},
        password=data["password"],
        people=[(user_id, bytes.fromhex(seed)) for user_id, seed in data["people"]],
    )


@dataclass
class Login:
    """One login as its browser holds it."""

    browser: burst.Browser
    user_id: str
    seed: bytes
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    path: str = ""
    csrf: str = ""
    code: str = ""
    seconds: float = 0.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _expect(answer: burst.Answer, status: int, what: str) -> burst.Answer:
    if answer.status != status:
        raise burst.BurstError(f"{what}: {answer.status}, not {status}: {answer.body[:300]}")
    return answer


def _authorize(target: Target, login: Login) -> burst.Answer:
    params = {
        "response_type": "code",
        "client_id": target.rp["client_id"],
        "redirect_uri": target.rp["redirect_uri"],
        "scope": "openid",
        "state": secrets.token_urlsafe(12),
        "nonce": secrets.token_urlsafe(12),
        "code_challenge": _b64(hashlib.sha256(login.verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    answer = _expect(login.browser.get("/o/authorize/?" + urlencode(params)), 302, "authorize")
    login.path = urlsplit(answer.headers["Location"]).path
    return answer


def _page(login: Login, what: str) -> burst.Answer:
    answer = _expect(login.browser.get(login.path), 200, what)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
    if token is not None:
        login.csrf = token.group(1)
    return answer


def _post(login: Login, form: dict[str, str], what: str, status: int = 302) -> burst.Answer:
    return _expect(
        login.browser.post(login.path, {"csrfmiddlewaretoken": login.csrf, **form}), status, what
    )


def _finish(login: Login) -> burst.Answer:
    flow_id = login.path.rstrip("/").split("/")[-1]
    answer = _expect(login.browser.get(f"/o/finish/{flow_id}/"), 302, "finish")
    login.code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return answer


def _token(target: Target, login: Login) -> burst.Answer:
    basic = base64.b64encode(
        f"{target.rp['client_id']}:{target.rp['client_secret']}".encode()
    ).decode()
    form = {
        "grant_type": "authorization_code",
        "code": login.code,
        "redirect_uri": target.rp["redirect_uri"],
        "code_verifier": login.verifier,
    }
    answer = _expect(
        login.browser.request(
            "POST",
            "/o/token/",
            form,
            accept="application/json",
            extra_headers={"Authorization": "Basic " + basic},
        ),
        200,
        "token",
    )
    if "id_token" not in json.loads(answer.body):
        raise burst.BurstError("the token response has no ID token")
    return answer


def _step_requests(target: Target) -> dict[str, Callable[[Login], burst.Answer]]:
    return {
        "authorize": lambda login: _authorize(target, login),
        "user ID page": lambda login: _page(login, "user ID page"),
        "user ID": lambda login: _post(
            login, {"step": "user_id", "user_id": login.user_id}, "user ID"
        ),
        "code page": lambda login: _page(login, "code page"),
        "code": lambda login: _post(
            login, {"step": "code", "code": otp.totp_code(login.seed, datetime.now(UTC))}, "code"
        ),
        "password page": lambda login: _page(login, "password page"),
        "password": lambda login: _post(
            login, {"step": "password", "password": target.password}, "password"
        ),
        "done page": lambda login: _page(login, "done page"),
        "finish": _finish,
        "token": lambda login: _token(target, login),
    }


def run_logins(targets: list[Target], count: int) -> None:
    """``count`` whole logins on each target, every login through one kind of request before
    the next; the targets take turns at each kind, so they meet the machine in the same state."""
    logins = {
        t.name: [Login(burst.Browser(t.server), u, s) for u, s in t.take(count)] for t in targets
    }
    for step in STEPS:
        for target in targets:
            request = _step_requests(target)[step]
            pid = target.server.process.pid
            cpu0 = server_cpu(pid)
            for login in logins[target.name]:
                answer = request(login)
                login.seconds += answer.seconds
                target.seconds.setdefault(step, []).append(answer.seconds)
            target.cpu.setdefault(step, []).append((server_cpu(pid) - cpu0) / count)
    for target in targets:
        target.login_seconds.extend(login.seconds for login in logins[target.name])


def run_floor(targets: list[Target], count: int) -> None:
    """The least a request costs: ``GET /healthz`` passes every middleware and runs
    ``SELECT 1``. A login is ten requests, so ten of these are spent before any of its work."""
    for target in targets:
        browser, pid = burst.Browser(target.server), target.server.process.pid
        cpu0 = server_cpu(pid)
        for _ in range(count):
            answer = _expect(browser.get("/healthz"), 200, "healthz")
            target.seconds.setdefault(FLOOR, []).append(answer.seconds)
        target.cpu.setdefault(FLOOR, []).append((server_cpu(pid) - cpu0) / count)


def run_parity(targets: list[Target], count: int) -> None:
    """The user ID, the code page and a wrong code, for a known and an unknown user ID in
    turn, on each target in turn."""
    people = {t.name: t.take(count) for t in targets}
    for n in range(count):
        for target in targets:
            requests = _step_requests(target)
            user_id, seed = people[target.name][n]
            for label, who in (("known", user_id), ("unknown", f"nobody-{secrets.token_hex(6)}")):
                login = Login(burst.Browser(target.server), who, seed)
                requests["authorize"](login)
                requests["user ID page"](login)
                spent = requests["user ID"](login).seconds + requests["code page"](login).seconds
                code = int(otp.totp_code(seed, datetime.now(UTC)))
                wrong = f"{(code + 500_000) % 1_000_000:06d}"
                refused = _post(login, {"step": "code", "code": wrong}, "a wrong code", status=200)
                target.parity.setdefault(label, []).append(spent + refused.seconds)


def run_peer(peer: Any, count: int, cpu: list[float], seconds: list[float]) -> None:
    """``count`` code checks at the peer, one at a time: its CPU per check and the latencies."""
    pid = peer.process.pid
    cpu0 = server_cpu(pid)
    for _ in range(count):
        seconds.append(peer.check().seconds)
    cpu.append((server_cpu(pid) - cpu0) / count)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def report(targets: list[Target], args: argparse.Namespace) -> None:
    print(
        f"{args.logins} logins a round, {args.rounds} rounds, {args.database}, one client, "
        f"segl serve with one worker{' pinned to one CPU' if not args.no_pin else ''}; the "
        f"server's CPU per request (median of the rounds) and latency percentiles as the "
        f"client saw them."
    )
    head = "".join(f" | {t.name:>30}" for t in targets)
    print(f"{'request':<14}{head}")
    print(f"{'':<14}" + " | ".join(["", *("CPU ms   p50    p95    p99 ms" for _ in targets)]))
    for step in STEPS:
        cells = []
        for t in targets:
            ms = [1000 * s for s in t.seconds[step]]
            cells.append(
                f"{1000 * statistics.median(t.cpu[step]):6.2f} {percentile(ms, 50):6.2f} "
                f"{percentile(ms, 95):6.2f} {percentile(ms, 99):6.2f}"
            )
        print(f"{step:<14} | " + " | ".join(f"{c:>30}" for c in cells))
    cells = []
    for t in targets:
        ms = [1000 * s for s in t.seconds[FLOOR]]
        cells.append(
            f"{1000 * statistics.median(t.cpu[FLOOR]):6.2f} {percentile(ms, 50):6.2f} "
            f"{percentile(ms, 95):6.2f} {percentile(ms, 99):6.2f}"
        )
    print(
        f"{FLOOR:<14} | " + " | ".join(f"{c:>30}" for c in cells) + "  (the least a request costs)"
    )
    cells = []
    for t in targets:
        cpu = sum(1000 * statistics.median(t.cpu[s]) for s in STEPS)
        ms = [1000 * s for s in t.login_seconds]
        cells.append(
            f"{cpu:6.1f} {percentile(ms, 50):6.1f} {percentile(ms, 95):6.1f} "
            f"{percentile(ms, 99):6.1f}"
        )
    print(f"{'whole login':<14} | " + " | ".join(f"{c:>30}" for c in cells))
    if args.peer_cpu:
        ms = [1000 * s for s in args.peer_seconds]
        peer_cpu = 1000 * statistics.median(args.peer_cpu)
        ours = 1000 * statistics.median(targets[0].cpu["code"])
        print(
            f"{'privacyIDEA':<14} | code check, POST /validate/check (gunicorn, one worker): "
            f"{peer_cpu:.2f} ms CPU, p50 {percentile(ms, 50):.2f}, p95 {percentile(ms, 95):.2f}, "
            f"p99 {percentile(ms, 99):.2f} ms; segl's code step costs {peer_cpu / ours:.1f}x less"
        )
    print("user ID, code page and a wrong code, median ms: known vs unknown user ID")
    for t in targets:
        known, unknown = (1000 * statistics.median(t.parity[k]) for k in ("known", "unknown"))
        print(f"  {t.name:<30} {known:6.2f} vs {unknown:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=200, help="logins a round (default 200)")
    parser.add_argument("--parity", type=int, default=100, help="user IDs a round, each kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--baseline", type=Path, help="another checkout, with its own .venv")
    parser.add_argument("--port", type=int, default=18100)
    parser.add_argument(
        "--privacyidea",
        type=Path,
        metavar="VENV",
        help="a virtual environment with privacyidea and gunicorn: its code check is measured "
        "beside segl's in each round (bench/peer_privacyidea.py)",
    )
    parser.add_argument(
        "--servers",
        default="segl",
        help=f"this checkout under each of these servers, comma-separated: {', '.join(SERVERS)} "
        "(segl: segl serve, uvicorn on uvloop and httptools)",
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="leave the processes where the system puts them (by default the servers share the "
        "last CPU and this client takes the others)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every server, e.g. --set SEGL_LOG_LEVEL=WARNING",
    )
    parser.add_argument(
        "--baseline-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for the baseline's server only: with --baseline . it measures what a "
        "setting costs, e.g. --baseline . --baseline-set SEGL_LOG_LEVEL=WARNING",
    )
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    baseline_settings = {**settings, **dict(item.split("=", 1) for item in args.baseline_set)}
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus = set() if args.no_pin or len(cpus) < 2 else {cpus[-1]}
    if server_cpus:
        os.sched_setaffinity(0, set(cpus[:-1]))
    people = args.rounds * (args.logins + args.parity)
    servers = args.servers.split(",")
    checkouts = [
        ("this checkout" if server == "segl" else server, ROOT, server) for server in servers
    ]
    if args.baseline is not None:
        name = args.baseline.resolve().name
        if args.baseline_set:
            name += " " + " ".join(args.baseline_set)
        checkouts.append((f"baseline {name}", args.baseline.resolve(), "segl"))
    scratch = ROOT / "var" / "bench-http"
    targets: list[Target] = []
    peer = None
    args.peer_cpu, args.peer_seconds = [], []
    try:
        if args.privacyidea is not None:
            from bench import peer_privacyidea

            port = burst.free_port(range(args.port + 90, args.port + 99))
            peer = peer_privacyidea.start(args.privacyidea.resolve(), scratch / "peer", port)
            if server_cpus:
                pin(peer.process.pid, server_cpus)
        for n, (name, checkout, server_kind) in enumerate(checkouts):
            port = burst.free_port(range(args.port + 10 * n, args.port + 10 * n + 10))
            workdir = scratch / str(n)
            burst.cleanup(workdir)
            targets.append(
                start(
                    name,
                    checkout,
                    server_kind=server_kind,
                    database=args.database,
                    port=port,
                    people=people,
                    workdir=workdir,
                    server_cpus=server_cpus,
                    settings=baseline_settings if name.startswith("baseline") else settings,
                )
            )
        for round_ in range(args.rounds):
            # Alternate which goes first, so neither always meets a warmer machine.
            order = targets if round_ % 2 == 0 else targets[::-1]
            run_logins(order, args.logins)
            if peer is not None:
                run_peer(peer, args.logins, args.peer_cpu, args.peer_seconds)
            run_floor(order, args.logins)
            run_parity(order, args.parity)
        report(targets, args)
    finally:
        if peer is not None:
            peer.stop()
        for target in targets:
            target.server.stop()
            if args.database == "postgres":
                burst.drop_database(target.server.database_url)
        burst.cleanup(scratch)


if __name__ == "__main__":
    main()
