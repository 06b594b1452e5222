"""The process's key ring for secrets at rest, built once from configuration."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from segl.core.secrets import KeyRing


@cache
def keyring() -> KeyRing:
    return KeyRing.from_config(settings.CONFIG.keyring)


def device_aad(serial: str) -> bytes:
    """Binds a device's seed ciphertext to its serial, so seeds cannot be swapped between rows."""
    return b"device:" + serial.encode("ascii")
