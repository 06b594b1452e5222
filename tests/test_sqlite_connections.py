"""SQLite connections are kept between requests (decision 31): the next request's thread takes
the one the last request closed, unless it was closed in a transaction, the database file was
replaced since, enough are kept already, or the process is a fork of the one that kept it."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

from segl.sqlite import base


@pytest.fixture
def database(sqlite, tmp_path: Path):
    """A database of one's own through segl's backend."""
    return lambda: sqlite(tmp_path / "own.sqlite3")


def in_a_new_thread(handler: ConnectionHandler, sql: str) -> tuple[sqlite3.Connection, list]:
    """Run ``sql`` as a request would: in a thread of its own, closing its connection after."""
    seen: list = []

    def request() -> None:
        wrapper = handler["default"]
        with wrapper.cursor() as cursor:
            cursor.execute(sql)
            seen.extend(cursor.fetchall())
        seen.insert(0, wrapper.connection)
        wrapper.close()

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    return seen[0], seen[1:]


def test_the_next_request_takes_the_connection_the_last_one_closed(database):
    handler = database()
    first, _ = in_a_new_thread(handler, "CREATE TABLE person (cpr TEXT)")
    second, rows = in_a_new_thread(handler, "SELECT count(*) FROM person")
    assert second is first and rows == [(0,)]


def test_a_connection_closed_in_a_transaction_is_not_kept(database):
    handler = database()
    wrapper = handler["default"]
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TABLE person (cpr TEXT)")
    raw = wrapper.connection
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("INSERT INTO person VALUES ('0103804001')")
    wrapper.close()
    # Closed for real: its write lock is gone and its insert rolled back.
    other, rows = in_a_new_thread(handler, "SELECT count(*) FROM person")
    assert other is not raw and rows == [(0,)]
    with pytest.raises(sqlite3.ProgrammingError):
        raw.execute("SELECT 1")


def test_a_replaced_database_file_gets_a_connection_of_its_own(database, tmp_path: Path):
    handler = database()
    old, _ = in_a_new_thread(handler, "CREATE TABLE old_table (x INTEGER)")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp_path / "own.sqlite3") + suffix).unlink(missing_ok=True)
    fresh = sqlite3.connect(tmp_path / "own.sqlite3")
    fresh.execute("CREATE TABLE new_table (x INTEGER)")
    fresh.commit()
    fresh.close()
    new, rows = in_a_new_thread(handler, "SELECT name FROM sqlite_master WHERE type = 'table'")
    assert new is not old and rows == [("new_table",)]


def test_at_most_a_few_connections_are_kept_per_file(tmp_path: Path):
    path = str(tmp_path / "many.sqlite3")
    sqlite3.connect(path).close()
    conns = [sqlite3.connect(path, check_same_thread=False) for _ in range(base.IDLE + 1)]
    try:
        kept = [base.keep_idle(path, conn) for conn in conns]
        assert kept == [True] * base.IDLE + [False]
        assert {id(base.take_idle(path)) for _ in range(base.IDLE)} == {id(c) for c in conns[:-1]}
        assert base.take_idle(path) is None
    finally:
        for conn in conns:
            conn.close()


def test_a_forked_process_never_uses_its_parents_connections(tmp_path: Path):
    path = str(tmp_path / "fork.sqlite3")
    conn = sqlite3.connect(path, check_same_thread=False)
    assert base.keep_idle(path, conn)
    try:
        child = os.fork()
        if child == 0:  # the child: nothing kept for it
            os._exit(0 if base.take_idle(path) is None else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert base.take_idle(path) is conn  # the parent's is still its own
    finally:
        conn.close()
