"""A Redis server of a test's own (Debian's ``redis-server``, nothing saved to disk), so a test
may kill it and start it again without touching the server every other test uses."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis


@dataclass
class PrivateRedis:
    directory: Path
    port: int
    binary: str
    process: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        """Start it, empty (nothing is saved, so nothing comes back); returns once it answers."""
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
                stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"redis-server did not start: see {self.directory}/redis.log")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, as a crash: every connection cut, nothing flushed."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def private_redis(directory: Path, port: int) -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("these tests need Redis's server program (Debian: redis-server)")
    directory.mkdir(parents=True, exist_ok=True)
    server = PrivateRedis(directory=directory, port=port, binary=binary)
    server.start()
    try:
        yield server
    finally:
        server.kill()
