"""Running the real ``segl`` command and server as separate processes, as an operator would.

The environment is cleaned of this test run's own settings (``SEGL_*``, the test settings
module, the database and Redis URLs), so each process reads only what the test gives it.
Servers listen on ``SEGL_TEST_PORT`` + 10 and up, on localhost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

SEGL = str(Path(sys.executable).with_name("segl"))
ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ["SEGL_TEST_PORT"]) + 10
# The end-to-end tests allow Django's ORM beside Playwright's event loop in this process; a
# production segl refuses that setting (async.E001), and an operator's shell never has it.
DROP = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "REDIS_URL",
    "WEB_CONCURRENCY",
)


def clean_env(**settings: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SEGL_") and key not in DROP
    }
    return {**env, "PYTHONPATH": str(ROOT), **settings}


def segl(env: dict[str, str], *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SEGL, *argv], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def production_env(directory: Path, *, base_url: str) -> dict[str, str]:
    """Fresh production secrets written by ``segl init --env production`` into ``directory``."""
    env_file = directory / "segl.env"
    done = segl(clean_env(), "init", "--env", "production", "--env-file", str(env_file))
    assert done.returncode == 0, done.stderr
    return clean_env(SEGL_ENV_FILE=str(env_file), SEGL_BASE_URL=base_url)


@contextmanager
def serving(env: dict[str, str], port: int, *argv: str, log: Path | None = None) -> Iterator[str]:
    """``segl serve`` on ``port`` until the block ends; yields its address once it answers.

    What it prints (its log lines too) goes to the file ``log``, or else to a temporary one:
    never to a pipe nobody reads, which a busy server would fill and then wait on."""
    output = log.open("w+", encoding="utf-8") if log else tempfile.TemporaryFile("w+")  # noqa: SIM115
    process = subprocess.Popen(
        [SEGL, "serve", "--host", "localhost", "--port", str(port), *argv],
        env=env,
        stdout=output,
        stderr=output,
        text=True,
    )
    url = f"http://localhost:{port}"
    try:
        for _ in range(300):
            if process.poll() is not None:
                output.seek(0)
                raise AssertionError(f"segl serve stopped: {output.read()}")
            try:
                requests.get(url + "/healthz", timeout=10)  # a fresh worker's first is slow
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        else:
            raise AssertionError("segl serve did not answer within 30 seconds")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def refused_start(env: dict[str, str], port: int, *argv: str) -> subprocess.CompletedProcess:
    """Run ``segl serve``, which must stop by itself; one that serves is stopped (with any
    workers it started) and fails the test."""
    argv = (SEGL, "serve", "--host", "localhost", "--port", str(port), *argv)
    process = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError("segl serve started although it should have refused") from None
    return subprocess.CompletedProcess(argv, process.returncode, out, err)
