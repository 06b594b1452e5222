"""Where the key-encryption keys come from, so they need not sit beside the database.

Exactly one of:

- ``SEGL_KEYS``: the key ring itself, ``kid:<base64url key>,…`` (the first key encrypts);
- ``SEGL_KEYS_FILE``: a file holding the same text, one entry per line or comma-separated,
  ``#`` comments allowed; e.g. on another mount than the database, or a secret mounted by the
  orchestrator. In production it must be readable by its owner only (``chmod 600``);
- ``SEGL_KEY_PROVIDER``: the dotted path of a class, made without arguments, whose ``keyring()``
  returns a :class:`segl.core.secrets.KeyRing`: the hook for a KMS, an HSM or a secrets
  manager. It is asked once per process (and once at start-up, to check it)::

      class MyKms:
          def keyring(self) -> KeyRing:
              key = my_kms_client.decrypt(WRAPPED_DATA_KEY)
              return KeyRing({"k2027": key}, active="k2027")

The keys then live only in the memory of segl's processes.
"""

from __future__ import annotations

import stat
from collections.abc import Mapping
from pathlib import Path

from django.utils.module_loading import import_string

from segl.core.secrets import KeyRing

SOURCES = ("SEGL_KEYS", "SEGL_KEYS_FILE", "SEGL_KEY_PROVIDER")


def read_keys_file(path: Path, *, private: bool) -> str:
    """The key ring text in ``path``; with ``private``, refuse a file others may use."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path} is not a file")
    if private and mode & 0o077:
        raise ValueError(
            f"{path} is open to its group or others (mode {stat.S_IMODE(mode):o}); "
            f"make it readable by segl's user only: chmod 600 {path}"
        )
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    lines = (line.strip() for line in text.splitlines())
    entries = ",".join(line for line in lines if line and not line.startswith("#"))
    if not entries:
        raise ValueError(f"{path} holds no keys; expected lines of 'kid:<base64url key>'")
    return entries


def keys_from_env(env: Mapping[str, str], *, production: bool) -> tuple[str, str]:
    """``(key ring text, provider path)`` from the environment; one of them is empty.

    Raises :class:`ValueError` naming the variable when none or more than one source is given.
    """
    given = [name for name in SOURCES if env.get(name, "").strip()]
    if not given:
        raise ValueError(f"missing settings: one of {', '.join(SOURCES)}")
    if len(given) > 1:
        raise ValueError(f"give one of {', '.join(SOURCES)}, not {' and '.join(given)}")
    if given == ["SEGL_KEYS_FILE"]:
        try:
            return read_keys_file(Path(env["SEGL_KEYS_FILE"]), private=production), ""
        except ValueError as exc:
            raise ValueError(f"SEGL_KEYS_FILE: {exc}") from None
    if given == ["SEGL_KEY_PROVIDER"]:
        provider = env["SEGL_KEY_PROVIDER"].strip()
        if "." not in provider or not all(p.isidentifier() for p in provider.split(".")):
            raise ValueError(
                f"SEGL_KEY_PROVIDER must be a dotted path such as package.module.Class, "
                f"not {provider!r}"
            )
        return "", provider
    return env["SEGL_KEYS"], ""


def keyring_for(*, keys: str, provider: str) -> KeyRing:
    """The key ring from its text, or from the provider class when one is named."""
    if not provider:
        return KeyRing.from_config(keys)
    ring = import_string(provider)().keyring()
    if not isinstance(ring, KeyRing):
        raise TypeError(f"{provider}.keyring() returned {type(ring).__name__}, not a KeyRing")
    return ring
