"""Whole logins from many clients at once against ``segl serve --workers N`` on PostgreSQL and
Redis: logins per second and the server's CPU per login, for each number of workers; or a soak
at a steady rate for minutes, with the server's memory followed.

    python bench/bench_scale.py --workers 1,2,4 --clients 8 --seconds 30
    python bench/bench_scale.py --soak --url http://localhost:8000 --rate 10 --seconds 600

Each client is a browser and the RP in turn: the ten requests of a login (bench_http.py), one
login after another, each by a person of its own (a code display's code is good once per 30 s
step). The clients are threads of this process, on the same machine as the server; on two
cores they take part of the CPU the server would otherwise have, and the figures say what
this machine did, not what a core can do (bench_http.py measures that). The server's CPU is
its processes' user and system time from ``/proc``.

``--soak`` runs against a server already running (``make cluster``, whose database people are
made in by ``--site``): logins started at ``--rate`` a second for ``--seconds``, each request's
latency per step, every answer checked, and the resident memory of every segl process under
``--pids`` sampled each 10 s; errors must be zero.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import bench_http, burst  # noqa: E402


@dataclass
class Run:
    """What the clients saw."""

    logins: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    login_seconds: list[float] = field(default_factory=list)
    step_seconds: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def one_login(self, target: bench_http.Target, person: tuple[str, bytes]) -> None:
        requests = bench_http._step_requests(target)
        login = bench_http.Login(burst.Browser(target.server), *person)
        started = time.perf_counter()
        seconds: dict[str, float] = {}
        try:
            for step in bench_http.STEPS:
                seconds[step] = requests[step](login).seconds
        except Exception as exc:  # counted and shown: a soak must end with none
            with self.lock:
                self.errors[f"{type(exc).__name__}: {str(exc)[:120]}"] += 1
            return
        finally:
            login.browser.close()
        with self.lock:
            self.logins += 1
            self.login_seconds.append(time.perf_counter() - started)
            for step, value in seconds.items():
                self.step_seconds.setdefault(step, []).append(value)


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
    pids = [int(p) for p in args.pids.split(",")] if args.pids else []
    run, memory, threads = Run(), [], []
    started, people_left = time.monotonic(), iter(target.people)
    next_at, next_sample = started, started
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
        time.sleep(max(0.0, min(next_at, next_sample) - time.monotonic()))
    for thread in threads:
        thread.join(timeout=120)
    memory.append((time.monotonic() - started, rss_mb(pids)))
    print(
        f"soak: {run.logins} whole logins at {args.rate}/s for {args.seconds:.0f} s through "
        f"{args.url}; errors: {sum(run.errors.values())}"
    )
    for error, count in run.errors.most_common(5):
        print(f"  {count} x {error}")
    print("request        p50    p95    p99 ms")
    for step in bench_http.STEPS:
        print(f"{step:14} {percentiles(run.step_seconds.get(step, []))}")
    print(f"whole login    {percentiles(run.login_seconds)}")
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
    parser.add_argument("--rate", type=float, default=10, help="logins started a second")
    parser.add_argument(
        "--first", type=int, default=1000, help="the first person's number (people 0-9999)"
    )
    parser.add_argument("--pids", default="", help="segl's processes, comma-separated")
    args = parser.parse_args()
    soak(args) if args.soak else scale(args)


if __name__ == "__main__":
    main()
