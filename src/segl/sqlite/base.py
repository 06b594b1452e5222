"""Django's SQLite backend, keeping the database private to segl's user.

The database holds CPR and passport numbers, password hashes and sealed seeds. SQLite creates a
new file with the process's umask (usually world-readable), so this backend creates it first,
with mode 0600, before SQLite opens it; SQLite gives its ``-wal``, ``-shm`` and ``-journal``
files the database's mode. A database left open to others by an earlier version is closed to
them (with its companion files) when segl next connects.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from django.db.backends.sqlite3 import base

COMPANIONS = ("-wal", "-shm", "-journal")


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


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if not self.is_in_memory_db():
            make_private(os.fspath(conn_params["database"]))
        return super().get_new_connection(conn_params)
