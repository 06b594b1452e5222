"""The shell's password hasher and blocklist, built once per process."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import django.contrib.auth.password_validation as django_pv

from segl.core import passwords


@cache
def hasher() -> passwords.PasswordHasher:
    return passwords.PasswordHasher(passwords.Argon2Params())


@cache
def blocklist() -> frozenset[str]:
    """Django's list of 20,000 common passwords and segl's Danish list."""
    django_list = Path(django_pv.__file__).resolve().parent / "common-passwords.txt.gz"
    with gzip.open(django_list, "rt", encoding="utf-8") as fh:
        return passwords.bundled_blocklist() | passwords.load_blocklist(fh)
