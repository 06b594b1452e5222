"""Whole logins from many clients at once against ``segl serve --workers N`` on PostgreSQL and
Redis: logins per second and the server's CPU per login, for each number of workers; or a soak
at a steady rate for minutes, with the server's memory followed.

    python bench/bench_scale.py --workers 1,2,4 --clients 8 --seconds 30
    python bench/bench_scale.py --soak --url http://localhost:8000 --rate 8 --seconds 600

Each client is a browser and the RP in turn: the ten requests of a login (bench_http.py), one
login after another, each by a person of its own (a code display's code is good once per 30 s
step). The clients are threads of this process, on the same machine as the server; on two
cores they take part of the CPU the server would otherwise have, and the figures say what
this machine did, not what a core can do (bench_http.py measures that). The server's CPU is
its processes' user and system time from ``/proc``.

``--soak`` runs against a server already running (``make cluster``, whose database people are
made in by ``--site``): logins with the code display started at ``--rate`` a second and logins
approved with the app at ``--app-rate`` a second (1 unless told; bench/app_login.py: the
browser's requests, the app's unlock, pending, bind and answer, the page's long-poll) for
``--seconds``, each request's latency per step, every answer checked, the time from the app's
answer to the browser's long-poll answering, and the resident memory of every segl process
under ``--pids`` sampled each 10 s; errors must be zero.
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import app_login, bench_http, burst  # noqa: E402

# An app person approves one login at a time, and comes round again (first in, first out) after
# about this many seconds: well inside the logins a minute one user ID may start
# (SEGL_RATE_LIMIT_USER, 10 by default).
APP_PERSON_EVERY = 12


@dataclass
class Run:
    """What the clients saw."""

    logins: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    login_seconds: list[float] = field(default_factory=list)
    step_seconds: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    app_logins: int = 0
    app_login_seconds: list[float] = field(default_factory=list)
    app_step_seconds: dict[str, list[float]] = field(default_factory=dict)

    def error(self, exc: BaseException, prefix: str = "") -> None:
        with self.lock:  # counted and shown: a soak must end with none
            self.errors[f"{prefix}{type(exc).__name__}: {str(exc)[:120]}"] += 1

    def one_login(self, target: bench_http.Target, person: tuple[str, bytes]) -> None:
        requests = bench_http._step_requests(target)
        login = bench_http.Login(burst.Browser(target.server), *person)
        started = time.perf_counter()
        seconds: dict[str, float] = {}
        try:
            for step in bench_http.STEPS:
                seconds[step] = requests[step](login).seconds
        except Exception as exc:
            self.error(exc)
            return
        finally:
            login.browser.close()
        with self.lock:
            self.logins += 1
            self.login_seconds.append(time.perf_counter() - started)
            for step, value in seconds.items():
                self.step_seconds.setdefault(step, []).append(value)

    def one_app_login(
        self, people: app_login.AppPeople, free: queue.Queue[str], url: str, database_url: str
    ) -> None:
        """A login approved with the app by the person first in line; they go back in line
        when it is done (not after an error: their app may hold a request still)."""
        try:
            user_id = free.get_nowait()
        except queue.Empty:
            with self.lock:
                self.errors["app: no person free, every one is approving"] += 1
            return
        started = time.perf_counter()
        try:
            seconds = app_login.whole_login(people, user_id, url, database_url)
        except Exception as exc:
            self.error(exc, "app: ")
            return
        free.put(user_id)
        with self.lock:
            self.app_logins += 1
            self.app_login_seconds.append(time.perf_counter() - started - app_login.READING_SECONDS)
            for step, value in seconds.items():
                self.app_step_seconds.setdefault(step, []).append(value)


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    ms = [1000 * v for v in values]
    p = bench_http.percentile
    return f"{p(ms, 50):6.1f} {p(ms, 95):6.1f} {p(ms, 99):6.1f}"


def rss_mb(pids: list[int]) -> float:
    """Resident memory of ``pids`` and every process under them, in MB."""
    total, seen = 0, set()
    todo = list(pids)
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(children.get(pid, []))
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def closed_loop(target: bench_http.Target, clients: int, seconds: float) -> tuple[Run, float]:
    """``clients`` threads, each one login after another, for ``seconds``; the run and the
    server's CPU seconds spent."""
    run, people, stop = Run(), iter(target.people[target.used :]), threading.Event()
    people_lock = threading.Lock()

    def client() -> None:
        while not stop.is_set():
            with people_lock:
                person = next(people, None)
            if person is None:
                run.errors["too few people for the run"] += 1
                return
            run.one_login(target, person)

    cpu0 = bench_http.server_cpu(target.server.process.pid)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return run, bench_http.server_cpu(target.server.process.pid) - cpu0


def scale(args: argparse.Namespace) -> None:
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"
    rows = []
    for n, workers in enumerate(int(w) for w in args.workers.split(",")):
        port = burst.free_port(range(args.port + 10 * n, args.port + 10 * n + 10))
        workdir = ROOT / "var" / "bench-scale" / str(workers)
        burst.cleanup(workdir)
        people = int(args.seconds * args.expect * workers) + 200
        target = bench_http.start(
            f"{workers} workers",
            ROOT,
            database="postgres",
            port=port,
            people=people,
            workdir=workdir,
            server_cpus=set(),
            settings=dict(item.split("=", 1) for item in args.set),
            workers=workers,
            redis_url=redis_url,
        )
        try:
            bench_http.run_logins([target], 20)  # warm every worker a little
            run, cpu = closed_loop(target, args.clients, args.seconds)
        finally:
            target.server.stop()
            burst.drop_database(target.server.database_url)
            burst.cleanup(workdir)
        rows.append((workers, run, cpu))
    print(
        f"PostgreSQL and Redis, {args.clients} clients each doing whole logins (ten requests) "
        f"one after another for {args.seconds:.0f} s, on this machine's "
        f"{os.cpu_count()} cores beside the server:"
    )
    print("workers | logins/s | server CPU per login | whole login p50 p95 p99 ms | errors")
    for workers, run, cpu in rows:
        per_login = 1000 * cpu / run.logins if run.logins else float("nan")
        print(
            f"{workers:7} | {run.logins / args.seconds:8.1f} | {per_login:17.1f} ms | "
            f"{percentiles(run.login_seconds):>26} | {sum(run.errors.values())}"
        )
        for error, count in run.errors.most_common(3):
            print(f"        {count} x {error}")


def soak(args: argparse.Namespace) -> None:
    site = burst.Site(
        workdir=Path(args.site).resolve(),
        database_url=os.environ["DATABASE_URL"],
        redis_url=os.environ.get("REDIS_URL", ""),
        port=int(args.url.rsplit(":", 1)[1].rstrip("/")),
    )
    people = int(args.rate * args.seconds) + 50
    made = site.run(
        [sys.executable, ROOT / "bench" / "people.py", "--count", people, "--first",
         args.first, "--redirect-uri", f"{args.url}/bench-rp/callback"],
        what="making people", timeout=1800,
    )  # fmt: skip
    data = bench_http.json.loads(made.strip().splitlines()[-1])
    host, port = "127.0.0.1", site.port
    server = burst.Server(args.url, host, port, site.database_url, None, Path(os.devnull))  # type: ignore[arg-type]
    target = bench_http.Target(
        name="soak",
        server=server,
        rp={k: data[k] for k in ("client_id", "client_secret", "redirect_uri")},
        password=data["password"],
        people=[(user_id, bytes.fromhex(seed)) for user_id, seed in data["people"]],
    )
    with tempfile.TemporaryDirectory() as keys:
        app_people, free = None, queue.Queue[str]()
        if args.app_rate > 0:
            count = math.ceil(args.app_rate * APP_PERSON_EVERY) + 4
            made = site.run(
                [sys.executable, ROOT / "bench" / "app_people.py", "--count", count,
                 "--redirect-uri", f"{args.url}/bench-rp/callback",
                 "--state", Path(keys) / "app.json"],
                what="making people with the app", timeout=1800,
            )  # fmt: skip
            app_people = app_login.AppPeople.made(
                bench_http.json.loads(made.strip().splitlines()[-1]), server
            )
            for user_id in app_people.user_ids:
                free.put(user_id)
        run, memory = run_soak(args, target, app_people, free, site.database_url)
    report(args, run, memory)


def run_soak(
    args: argparse.Namespace,
    target: bench_http.Target,
    app_people: app_login.AppPeople | None,
    free: queue.Queue[str],
    database_url: str,
) -> tuple[Run, list[tuple[float, float]]]:
    """Logins started at the rates asked for ``--seconds``, each in a thread of its own; the
    memory sampled every 10 s."""
    pids = [int(p) for p in args.pids.split(",")] if args.pids else []
    run, memory, threads = Run(), [], []
    started, people_left = time.monotonic(), iter(target.people)
    next_at = started if args.rate > 0 else math.inf
    next_app_at = started if app_people is not None else math.inf
    next_sample = started
    while time.monotonic() - started < args.seconds:
        now = time.monotonic()
        if now >= next_sample:
            memory.append((now - started, rss_mb(pids)))
            next_sample += 10
        if now >= next_at:
            thread = threading.Thread(target=run.one_login, args=(target, next(people_left)))
            thread.start()
            threads.append(thread)
            next_at += 1 / args.rate
        if now >= next_app_at:
            thread = threading.Thread(
                target=run.one_app_login, args=(app_people, free, args.url, database_url)
            )
            thread.start()
            threads.append(thread)
            next_app_at += 1 / args.app_rate
        time.sleep(max(0.0, min(next_at, next_app_at, next_sample) - time.monotonic()))
    for thread in threads:
        thread.join(timeout=120)
    memory.append((time.monotonic() - started, rss_mb(pids)))
    return run, memory


def report(args: argparse.Namespace, run: Run, memory: list[tuple[float, float]]) -> None:
    print(
        f"soak: {run.logins} whole logins with the code display at {args.rate}/s and "
        f"{run.app_logins} approved with the app at {args.app_rate}/s for "
        f"{args.seconds:.0f} s through {args.url}; errors: {sum(run.errors.values())}"
    )
    for error, count in run.errors.most_common(5):
        print(f"  {count} x {error}")
    width = max(len(step) for step in (*bench_http.STEPS, *app_login.STEPS, "whole app login"))
    print(f"{'request':{width}} {'p50':>6} {'p95':>6} {'p99':>6} ms")
    for step in bench_http.STEPS:
        print(f"{step:{width}} {percentiles(run.step_seconds.get(step, []))}")
    print(f"{'whole login':{width}} {percentiles(run.login_seconds)}")
    if args.app_rate > 0:
        print(
            f"approved with the app (the page's long-poll is sent once the app has bound; the "
            f"{app_login.READING_SECONDS} s the citizen reads before swiping is left out):"
        )
        for step in app_login.STEPS:
            print(f"{step:{width}} {percentiles(run.app_step_seconds.get(step, []))}")
        print(f"{'whole app login':{width}} {percentiles(run.app_login_seconds)}")
    if memory:
        rss = [m for _, m in memory]
        minutes = ", ".join(f"{m:.0f}" for at, m in memory if int(at) % 60 < 10)
        print(f"segl's memory each minute, MB: {minutes}")
        print(
            f"segl's memory (RSS of every process): first {rss[0]:.0f} MB, after a minute "
            f"{rss[min(6, len(rss) - 1)]:.0f} MB, last {rss[-1]:.0f} MB, most "
            f"{max(rss):.0f} MB; median {statistics.median(rss):.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--expect", type=float, default=25, help="logins/s a worker may reach")
    parser.add_argument("--port", type=int, default=18300)
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a server setting"
    )
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--url", default="http://localhost:8000")
    parser.add_argument("--site", default=str(ROOT / "var" / "cluster"))
    parser.add_argument(
        "--rate", type=float, default=10, help="logins with the code display started a second"
    )
    parser.add_argument(
        "--app-rate",
        type=float,
        default=1,
        help="logins approved with the app started a second, 0 for none (at most 4: one client "
        "address may hold 300 of the login page's long-polls a minute)",
    )
    parser.add_argument(
        "--first", type=int, default=1000, help="the first person's number (people 0-9999)"
    )
    parser.add_argument("--pids", default="", help="segl's processes, comma-separated")
    args = parser.parse_args()
    soak(args) if args.soak else scale(args)


if __name__ == "__main__":
    main()
