"""The audit keys and the checkpoint signing key, read from configuration.

The audit keys (``SEGL_AUDIT_KEYS``) seal events; they are not the key-encryption keys of
``SEGL_KEYS`` (decision 20). The first key seals new events; every listed key verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from segl.core.checkpoints import key_id, load_signing_key
from segl.core.secrets import parse_keys


@dataclass(frozen=True)
class AuditKeys:
    active: str
    keys: Mapping[str, bytes]

    def __repr__(self) -> str:
        return f"AuditKeys(active={self.active!r}, kids={list(self.keys)!r})"


def audit_keys() -> AuditKeys:
    return _parsed(settings.CONFIG.audit_keys)


def signing_key() -> Ed25519PrivateKey | None:
    """The checkpoint signing key, where configured (only where checkpoints are taken)."""
    pem = settings.CONFIG.audit_signing_key
    return _signing(pem) if pem else None


def verify_keys(extra: list[Ed25519PublicKey] | None = None) -> dict[str, Ed25519PublicKey]:
    """Public keys that may have signed checkpoints: the configured key's and ``extra``."""
    keys = list(extra or [])
    own = signing_key()
    if own is not None:
        keys.append(own.public_key())
    return {key_id(key): key for key in keys}


@lru_cache(maxsize=4)
def _parsed(value: str) -> AuditKeys:
    keys = parse_keys(value)
    return AuditKeys(active=next(iter(keys)), keys=keys)


@lru_cache(maxsize=4)
def _signing(pem: str) -> Ed25519PrivateKey:
    return load_signing_key(pem.encode("ascii"))
