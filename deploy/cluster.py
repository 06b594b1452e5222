"""``make cluster``: segl as several nodes behind HAProxy, on PostgreSQL and Redis, on one
machine, with the demo loaded. Any node continues any login; the app's "approved" crosses nodes
through Redis; the rate limits are counted in Redis for all of them (decision 38).

    .venv/bin/python deploy/cluster.py [--nodes 2] [--workers 2] [--port 8000]

PostgreSQL and Redis are the operator's: ``DATABASE_URL`` (default: the database
``segl_cluster`` on 127.0.0.1:5432, made if missing) and ``REDIS_URL`` (default:
redis://127.0.0.1:6379/1). The settings file, the logs of each node and HAProxy's configuration
go to ``var/cluster``. Ctrl+C stops HAProxy and the nodes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SEGL = str(Path(sys.executable).with_name("segl"))
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/segl_cluster"
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"


class ClusterError(Exception):
    pass


@dataclass
class Cluster:
    url: str
    processes: list[subprocess.Popen[bytes]]  # HAProxy first, then the nodes
    env: dict[str, str] | None = None  # what its nodes and commands run with

    def stop(self) -> None:
        for process in self.processes:  # HAProxy first: no request reaches a stopping node
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def ensure_database(database_url: str) -> None:
    """Create the database ``database_url`` names if it is not there."""
    import psycopg

    name = urlsplit(database_url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ClusterError(f"the database name {name!r} must be letters, digits and _")
    admin = urlsplit(database_url)._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not found:
                conn.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        raise ClusterError(f"PostgreSQL cannot be reached at {admin}: {exc}") from None


def node_env(workdir: Path, *, database_url: str, redis_url: str, base_url: str) -> dict[str, str]:
    """What every node and command of the cluster runs with: the settings file, the shared
    database and Redis, the address citizens use, and HAProxy as the one proxy believed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SEGL_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    return {
        **env,
        "SEGL_ENV_FILE": str(workdir / "segl.env"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SEGL_BASE_URL": base_url,
        "SEGL_TRUSTED_PROXIES": "127.0.0.1",
    }


def _run(env: dict[str, str], *argv: str) -> None:
    done = subprocess.run([SEGL, *argv], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ClusterError(f"segl {argv[0]} failed:\n{done.stderr[-2000:]}")


def _answers(url: str) -> bool:
    # Asked by the name citizens use: segl answers only the host of its base URL.
    request = urllib.request.Request(url + "/healthz", headers={"Host": "localhost"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(
    workdir: Path,
    *,
    nodes: int,
    workers: int,
    port: int,
    node_port: int,
    database_url: str,
    redis_url: str,
    demo: bool = True,
    settings: dict[str, str] | None = None,
) -> Cluster:
    """Prepare the database, start the nodes and HAProxy; returns once HAProxy answers."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        raise ClusterError("HAProxy is not installed (Debian: apt-get install haproxy)")
    workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    base_url = f"http://localhost:{port}"
    ensure_database(database_url)
    env = node_env(workdir, database_url=database_url, redis_url=redis_url, base_url=base_url)
    env.update(settings or {})
    _run(env, "init", "--env-file", str(workdir / "segl.env"))
    _run(env, "migrate", "--quiet")
    if demo:
        _run(env, "demo", "load")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        servers = []
        for n in range(nodes):
            at = node_port + n
            with (workdir / f"node{n + 1}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [SEGL, "serve", "--host", "127.0.0.1", "--port", str(at),
                         "--workers", str(workers)],
                        env=env, stdout=log, stderr=log,
                    )
                )  # fmt: skip
            servers.append(f"    server node{n + 1} 127.0.0.1:{at} check inter 2s fall 2 rise 1")
        config = (ROOT / "deploy" / "haproxy.cfg.in").read_text(encoding="utf-8")
        config = config.format(
            listen=f"127.0.0.1:{port}", scheme="http", servers="\n".join(servers)
        )
        (workdir / "haproxy.cfg").write_text(config, encoding="utf-8")
        deadline = time.monotonic() + 60
        for n in range(nodes):
            while not _answers(f"http://127.0.0.1:{node_port + n}"):
                if processes[n].poll() is not None or time.monotonic() > deadline:
                    raise ClusterError(f"node{n + 1} did not start: see {workdir}/node{n + 1}.log")
                time.sleep(0.2)
        with (workdir / "haproxy.log").open("wb") as log:
            balancer = subprocess.Popen(
                [haproxy, "-db", "-f", str(workdir / "haproxy.cfg")], stdout=log, stderr=log
            )
        processes.insert(0, balancer)
        while not _answers(f"http://127.0.0.1:{port}"):
            if balancer.poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"HAProxy did not start: see {workdir}/haproxy.log")
            time.sleep(0.2)
    except BaseException:
        Cluster(base_url, processes).stop()
        raise
    return Cluster(base_url, processes, env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="worker processes per node")
    parser.add_argument("--port", type=int, default=8000, help="HAProxy's port")
    parser.add_argument("--node-port", type=int, default=8101, help="the first node's port")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "cluster")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo's data")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every node, e.g. --set SEGL_RATE_LIMIT_IP=100000 for a load test",
    )
    args = parser.parse_args()
    if not 1 <= args.nodes <= 16 or not 1 <= args.workers <= 32:
        parser.error("--nodes must be 1 to 16 and --workers 1 to 32")
    try:
        cluster = start(
            args.workdir,
            nodes=args.nodes,
            workers=args.workers,
            port=args.port,
            node_port=args.node_port,
            database_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE,
            redis_url=os.environ.get("REDIS_URL") or DEFAULT_REDIS,
            demo=not args.no_demo,
            settings=dict(item.split("=", 1) for item in args.set),
        )
    except ClusterError as exc:
        print(f"make cluster: {exc}", file=sys.stderr)
        return 1
    print(
        f"\n  segl is serving {cluster.url}/ through HAProxy: {args.nodes} nodes of "
        f"{args.workers} workers each, on PostgreSQL and Redis.\n"
        f"  Demo Bank: {cluster.url}/demo-bank/   Logs: {args.workdir}/   (Ctrl+C stops it)\n",
        flush=True,
    )
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping and all(p.poll() is None for p in cluster.processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
