"""The backup and restore drill (deploy/backup_drill.py, decision 38): a dump taken while people
log in, restored into a new database and served by a new node, refuses the one-time code used
before the backup, lets everyone log in, and its audit chain verifies. On PostgreSQL: the
server of ``DATABASE_URL`` or 127.0.0.1:5432 (without one these fail, loudly)."""

from __future__ import annotations

import os

from deploy import backup_drill

PORT = int(os.environ["SEGL_TEST_PORT"]) + 50


def test_a_restored_backup_keeps_every_login_and_the_replay_state(tmp_path):
    report = backup_drill.drill(tmp_path, port=PORT, people=5)
    assert report.problems == []
    assert report.dump_bytes > 0 and report.logins_during_dump > 0
    assert report.replay_refused  # the code used before the backup is spent after it too
    assert report.logged_in == report.people == 5
    assert "chains intact" in report.audit
    assert report.ok
