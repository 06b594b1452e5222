"""``make cluster``: segl as several nodes behind HAProxy, on PostgreSQL and Redis, on one
machine, with the demo loaded. Any node continues any login; the app's "approved" crosses nodes
through Redis; the rate limits are counted in Redis for all of them (decision 38).

    .venv/bin/python deploy/cluster.py [--nodes 2] [--workers 2] [--port 8000]

PostgreSQL and Redis are the operator's: ``DATABASE_URL`` (default: the database
``segl_cluster`` on 127.0.0.1:5432, made if missing) and ``REDIS_URL`` (default:
redis://127.0.0.1:6379/1). The settings file, the logs of each node and HAProxy's configuration
go to ``var/cluster``. Each node has a delivery worker (``segl worker``) beside it, as a node's
service manager would run it. Ctrl+C stops HAProxy, the nodes and the workers.

``Cluster.restart_node`` is one step of a rolling restart, e.g. to change a node's settings
(decision 39 rotates the key that signs ID tokens this way): HAProxy stops sending the node new
requests, its requests finish, it stops, starts again, and goes back into the rotation.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
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
    workdir: Path | None = None
    node_ports: list[int] = field(default_factory=list)
    workers: int = 1
    senders: list[subprocess.Popen[bytes]] = field(default_factory=list)  # segl worker, per node

    def stop(self) -> None:
        # HAProxy first: no request reaches a stopping node; the delivery workers last.
        for process in [*self.processes, *self.senders]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.processes, *self.senders]:
            _wait_or_kill(process)

    def restart_node(
        self, n: int, settings: dict[str, str] | None = None, *, timeout: float = 60
    ) -> None:
        """Restart node ``n`` (1, 2, …) with the cluster's settings and ``settings`` over them,
        while the other nodes serve: no request is lost or refused. HAProxy puts the node in
        maintenance (new requests go to the others), its requests finish, it stops (SIGTERM),
        starts again, and once it answers ``/healthz`` HAProxy sends it requests again."""
        if self.env is None or self.workdir is None or not 1 <= n <= len(self.node_ports):
            raise ClusterError(f"there is no node{n} to restart")
        name, deadline = f"node{n}", time.monotonic() + timeout
        self.admin(f"set server nodes/{name} state maint")
        while self.server_status(name)["scur"] != "0":  # its requests still being answered
            if time.monotonic() > deadline:
                raise ClusterError(f"{name} kept answering requests for {timeout} s")
            time.sleep(0.05)
        self.processes[n].terminate()  # uvicorn answers the requests it has, then stops
        _wait_or_kill(self.processes[n])
        port = self.node_ports[n - 1]
        env = {**self.env, **(settings or {})}
        self.processes[n] = _start_node(env, self.workdir, n, port, self.workers)
        while not _answers(f"http://127.0.0.1:{port}"):
            if self.processes[n].poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"{name} did not start: see {self.workdir}/{name}.log")
            time.sleep(0.1)
        # It answered its health check just now: no need to wait for HAProxy's next one.
        self.admin(f"set server nodes/{name} state ready")
        self.admin(f"set server nodes/{name} health up")
        while self.server_status(name)["status"] != "UP":
            if time.monotonic() > deadline:
                raise ClusterError(f"HAProxy did not take {name} back")
            time.sleep(0.05)

    def admin(self, command: str) -> str:
        """One command to HAProxy's runtime API; its answer. An answer other than nothing or
        a table is an error."""
        if self.workdir is None:
            raise ClusterError("the cluster has no HAProxy to ask")
        chunks = []
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(5)
                conn.connect(str(self.workdir / "haproxy.sock"))
                conn.sendall(command.encode("ascii") + b"\n")
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise ClusterError(f"HAProxy's runtime API did not answer: {exc}") from None
        answer = b"".join(chunks).decode("utf-8", errors="replace")
        if answer.strip() and not command.startswith("show "):
            raise ClusterError(f"HAProxy refused {command!r}: {answer.strip()}")
        return answer

    def server_status(self, name: str) -> dict[str, str]:
        """HAProxy's statistics of node ``name`` (``status``, ``scur`` its open requests, …)."""
        lines = self.admin("show stat").splitlines()
        header = lines[0].removeprefix("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "nodes" and row.get("svname") == name:
                return row
        raise ClusterError(f"HAProxy has no server {name}")


def _wait_or_kill(process: subprocess.Popen[bytes]) -> None:
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


def _start_node(
    env: dict[str, str], workdir: Path, n: int, port: int, workers: int
) -> subprocess.Popen[bytes]:
    """``segl serve`` as node ``n``, its output added to ``node<n>.log``."""
    with (workdir / f"node{n}.log").open("ab") as log:
        return subprocess.Popen(
            [SEGL, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env, stdout=log, stderr=log,
        )  # fmt: skip


def _start_worker(env: dict[str, str], workdir: Path, n: int) -> subprocess.Popen[bytes]:
    """``segl worker`` beside node ``n``, sending the outbox; its output in ``worker<n>.log``."""
    with (workdir / f"worker{n}.log").open("ab") as log:
        return subprocess.Popen([SEGL, "worker"], env=env, stdout=log, stderr=log)


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
    delivery_workers: bool = True,
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
            processes.append(_start_node(env, workdir, n + 1, at, workers))
            servers.append(f"    server node{n + 1} 127.0.0.1:{at} check inter 2s fall 2 rise 1")
        config = (ROOT / "deploy" / "haproxy.cfg.in").read_text(encoding="utf-8")
        config = config.format(
            listen=f"127.0.0.1:{port}",
            scheme="http",
            servers="\n".join(servers),
            admin=workdir / "haproxy.sock",
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
        # A delivery worker per node, as a node's service manager would run it (decision 41):
        # they share the outbox, and each message is sent once.
        senders = [
            _start_worker(env, workdir, n + 1) for n in range(nodes if delivery_workers else 0)
        ]
    except BaseException:
        Cluster(base_url, processes).stop()
        raise
    node_ports = [node_port + n for n in range(nodes)]
    return Cluster(base_url, processes, env, workdir, node_ports, workers, senders)


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
        f"{args.workers} workers each, a delivery worker beside each, on PostgreSQL and Redis.\n"
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
