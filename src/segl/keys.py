"""The process's key ring for secrets at rest, built once from configuration."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from segl.core.secrets import KeyRing
from segl.keysource import keyring_for


@cache
def keyring() -> KeyRing:
    """From ``SEGL_KEYS``, ``SEGL_KEYS_FILE`` or ``SEGL_KEY_PROVIDER`` (:mod:`segl.keysource`)."""
    return keyring_for(keys=settings.CONFIG.keyring, provider=settings.CONFIG.key_provider)


def device_aad(serial: str) -> bytes:
    """Binds a device's seed ciphertext to its serial, so seeds cannot be swapped between rows."""
    return b"device:" + serial.encode("ascii")
