"""A PostgreSQL server of a test's own, made with Debian's initdb in a temporary folder, so a
test may restart or stop it without touching the server every other test uses."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
import pytest


def _bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.fail("these tests need PostgreSQL's server programs (Debian: postgresql)")
    return found[-1].parent


@dataclass
class PrivatePostgres:
    directory: Path
    port: int
    bin: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *argv: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        _as_postgres(
            [str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-o", options,
             "-l", str(self.directory / "server.log"), "-w", *argv],
        )  # fmt: skip

    def started_at(self) -> datetime:
        """When the server last started (``pg_postmaster_start_time()``)."""
        with psycopg.connect(self.url, connect_timeout=10) as conn:
            row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
        assert row is not None
        started: datetime = row[0]
        return started

    def restart(self) -> None:
        """Stop at once, as a crash does (every connection cut, no checkpoint), and start."""
        self.ctl("-m", "immediate", "restart")


def _as_postgres(argv: list[str]) -> None:
    """Run a server program as the postgres user (initdb refuses root)."""
    if os.getuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        pytest.fail(f"{Path(argv[-1]).name}: {done.stderr or done.stdout}")


@contextmanager
def private_postgres(port: int) -> Iterator[PrivatePostgres]:
    """A fresh server on ``port``, trusting local connections, until the block ends. Its folder
    is a new one under the system's temporary folder, which the postgres user can reach."""
    directory = Path(tempfile.mkdtemp(prefix="segl-postgres-"))
    if os.getuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    server = PrivatePostgres(directory=directory, port=port, bin=_bin())
    _as_postgres(
        [str(server.bin / "initdb"), "-D", str(directory / "data"), "-A", "trust", "-U",
         "postgres", "--no-sync", "-E", "UTF8"],
    )  # fmt: skip
    server.ctl("start")
    try:
        yield server
    finally:
        server.ctl("-m", "immediate", "stop")
        shutil.rmtree(directory, ignore_errors=True)
