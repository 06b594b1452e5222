"""Two ``segl worker`` processes on one PostgreSQL database send 1,000 queued messages, each
exactly once (segl.notify.delivery, decision 41).

This needs PostgreSQL (``DATABASE_URL``'s server or 127.0.0.1:5432); without it, it fails."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bench import burst

PORT = int(os.environ["SEGL_TEST_PORT"]) + 90
ROOT = Path(__file__).resolve().parent.parent
COUNT = 1000


def test_two_workers_send_a_thousand_messages_once_each(tmp_path):
    server_url = burst.postgres_server(os.environ.get("DATABASE_URL"))
    try:
        database_url = burst.fresh_database(server_url, f"segl_workers_{PORT}")
    except burst.BurstError as exc:
        pytest.fail(f"this test needs PostgreSQL: {exc}")
    workers: list[subprocess.Popen[bytes]] = []
    try:
        site = burst.prepare_site(
            tmp_path / "site", database_url=database_url, redis_url="", port=PORT, demo=False
        )
        now = datetime.now(UTC)
        with psycopg.connect(database_url) as conn, conn.cursor() as cur:
            cur.executemany(
                'INSERT INTO notify_outboxmessage (channel, "to", text, purpose, created_at, '
                "attempts, error, claimed_by, reference, receipt) VALUES ('sms', %s, "
                "'Din segl er ændret.', 'password_changed', %s, 0, '', '', '', '')",
                [(f"+4521{n:06d}", now) for n in range(COUNT)],
            )
        sent_log = tmp_path / "sent.log"
        env = site.env(
            {
                "SEGL_SMS_GATEWAY": "tests.delivery_gateway.FileGateway",
                "SEGL_EMAIL_GATEWAY": "tests.delivery_gateway.FileGateway",
                "SEGL_TEST_SENT_LOG": str(sent_log),
                "SEGL_OUTBOX_PER_MINUTE": "1000000",
            }
        )
        env["PYTHONPATH"] = str(ROOT)
        for n in range(2):
            with open(tmp_path / f"worker{n}.log", "wb") as log:
                command = [*site.command, "worker", "--every", "0.1", "--batch", "100"]
                workers.append(subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log))
        deadline = time.monotonic() + 120
        with psycopg.connect(database_url, autocommit=True) as conn:
            while waiting := conn.execute(
                "SELECT count(*) FROM notify_outboxmessage WHERE sent_at IS NULL"
            ).fetchone()[0]:
                assert time.monotonic() < deadline, f"{waiting} still waiting"
                assert all(w.poll() is None for w in workers), _logs(tmp_path)
                time.sleep(0.2)
            rows = conn.execute(
                "SELECT count(*), min(attempts), max(attempts) FROM notify_outboxmessage"
            ).fetchone()
        for worker in workers:  # SIGTERM: each stops after the message it is sending
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(timeout=30) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        burst.drop_database(database_url)
    lines = sent_log.read_text(encoding="ascii").splitlines()
    recipients = Counter(line.split()[1] for line in lines)
    senders = Counter(line.split()[0] for line in lines)
    assert len(recipients) == COUNT and set(recipients.values()) == {1}, recipients.most_common(3)
    assert rows == (COUNT, 1, 1)  # each sent at its first try, by one worker
    assert len(senders) == 2, senders  # both workers sent a share
    assert codes == [0, 0]


def _logs(folder: Path) -> str:
    return "\n".join(log.read_text(errors="replace")[-2000:] for log in folder.glob("worker*.log"))
