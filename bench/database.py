"""The benchmarks' database: a fresh SQLite one under ``$SEGL_DATA_DIR``, or the one named by
``DATABASE_URL`` emptied first (give the benchmarks a database of their own)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def fresh_database() -> None:
    """Set Django up on an empty, migrated database."""
    data = Path(os.environ["SEGL_DATA_DIR"])
    if "DATABASE_URL" not in os.environ and data.exists():
        shutil.rmtree(data)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if "DATABASE_URL" in os.environ:
        call_command("flush", interactive=False, verbosity=0)
