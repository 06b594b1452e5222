"""Django's SQLite backend, keeping the database private to segl's user and its connections
open between requests.

The database holds CPR and passport numbers, password hashes and sealed seeds. SQLite creates a
new file with the process's umask (usually world-readable), so this backend creates it first,
with mode 0600, before SQLite opens it; SQLite gives its ``-wal``, ``-shm`` and ``-journal``
files the database's mode. A database left open to others by an earlier version is closed to
them (with its companion files) when segl next opens a connection to it.

Under ASGI every request runs in a thread of its own, so Django opens a connection for each
request and closes it at the end: about 0.6 ms of CPU each time (SQLite reads the schema again,
Django registers its functions and sets its pragmas), an eighth of a simple page (decision 31).
Instead, a connection closed outside a transaction is kept, up to :data:`IDLE` for each database
file in each process, and the next request's thread takes it. A kept connection is only ever
used by one thread at a time; it is never handed out for another file, nor for a database file
replaced since (its device and inode are checked), nor in a process forked after it was kept.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from typing import Any

from django.db.backends.sqlite3 import base

COMPANIONS = ("-wal", "-shm", "-journal")
IDLE = 8  # connections kept per database file and process

_lock = threading.Lock()
_idle: dict[tuple[str, int, int], list[sqlite3.Connection]] = {}
_inherited: list[sqlite3.Connection] = []


def _forget_after_fork() -> None:
    # A connection must not be used, nor closed, in a child of the process that opened it
    # (SQLite's locks belong to the parent): the child keeps them unused.
    global _lock
    _lock = threading.Lock()
    _inherited.extend(conn for idle in _idle.values() for conn in idle)
    _idle.clear()


os.register_at_fork(after_in_child=_forget_after_fork)


def _file_key(path: str) -> tuple[str, int, int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (path, found.st_dev, found.st_ino)


def take_idle(path: str) -> sqlite3.Connection | None:
    """A kept connection to the database file at ``path`` as it is now, if there is one."""
    key = _file_key(path)
    if key is None:
        return None
    with _lock:
        idle = _idle.get(key)
        return idle.pop() if idle else None


def keep_idle(path: str, conn: sqlite3.Connection) -> bool:
    """Keep ``conn`` for the next request, unless a transaction is open or enough are kept."""
    key = _file_key(path)
    if key is None or conn.in_transaction:
        return False
    with _lock:
        idle = _idle.setdefault(key, [])
        if len(idle) >= IDLE:
            return False
        idle.append(conn)
    return True


def make_private(path: str) -> None:
    """Create ``path`` with mode 0600 if it is missing; take group and other access away."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if not mode & 0o077:
            return
        os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)
    for suffix in COMPANIONS:
        companion = path + suffix
        if os.path.exists(companion):
            os.chmod(companion, stat.S_IMODE(os.stat(companion).st_mode) & 0o700)


def close_idle() -> None:
    """Close every kept connection of this process (before a database file is moved away)."""
    with _lock:
        kept = [conn for idle in _idle.values() for conn in idle]
        _idle.clear()
    for conn in kept:
        conn.close()


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if self.is_in_memory_db():
            return super().get_new_connection(conn_params)
        path = os.fspath(conn_params["database"])
        kept = take_idle(path)
        if kept is not None:
            return kept
        make_private(path)
        return super().get_new_connection(conn_params)

    def _close(self) -> None:
        if (
            self.connection is not None
            and not self.is_in_memory_db()
            and not self.in_atomic_block
            and keep_idle(os.fspath(self.settings_dict["NAME"]), self.connection)
        ):
            return
        super()._close()  # type: ignore[misc]
