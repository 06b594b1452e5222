"""Secrets at rest: a wrapper that never shows its value, and a key ring to encrypt them.

Seeds, keys and other secrets are stored as AES-256-GCM ciphertexts under a key-encryption key
taken from configuration. Every ciphertext names the key that made it, so keys can be rotated
(``MultiFernet.rotate`` style): add a new key in front, re-encrypt rows with :meth:`KeyRing.rotate`
while :meth:`KeyRing.needs_rotation` says so, then drop the old key.

A ciphertext is bound to its row by the associated data (``aad``), e.g. ``b"device:" + serial``,
so a seed cannot be moved from one row to another. Anything that does not decrypt raises
:class:`~segl.core.errors.SecretError`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from segl.core.errors import SecretError

__all__ = ["KeyRing", "Secret", "format_key", "generate_key", "parse_keys"]

KEY_BYTES = 32
NONCE_BYTES = 12
_VERSION = "v1"
_KID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class Secret:
    """Secret bytes that stay out of reprs, logs and tracebacks; compare in constant time."""

    __slots__ = ("_value",)
    __hash__ = None  # type: ignore[assignment]  # secrets are not dict keys or set members

    def __init__(self, value: bytes) -> None:
        if not isinstance(value, bytes):
            raise TypeError(f"Secret wraps bytes, not {type(value).__name__}")
        self._value = value

    def reveal(self) -> bytes:
        """The value itself; call this at the last moment, where it is used."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value, other._value)


def generate_key() -> bytes:
    """A fresh 256-bit key-encryption key."""
    return os.urandom(KEY_BYTES)


def format_key(kid: str, key: bytes) -> str:
    """One entry of the key ring configuration: ``kid:<base64url key>``."""
    _check_kid(kid)
    _check_key(kid, key)
    return f"{kid}:{_b64encode(key)}"


def parse_keys(value: str) -> dict[str, bytes]:
    """Read ``"kid1:<base64url key>,kid2:<...>"`` of 256-bit keys, in the order given."""
    keys: dict[str, bytes] = {}
    entries = [entry.strip() for entry in value.split(",")]
    if not value.strip():
        raise ValueError("the key ring configuration is empty; expected 'kid:<base64url key>'")
    for position, entry in enumerate(entries, start=1):
        kid, sep, encoded = entry.partition(":")
        kid, encoded = kid.strip(), encoded.strip()
        if not sep or not kid or not encoded:
            raise ValueError(
                f"key ring entry {position} is not 'kid:<base64url key>'"
                " (entries are separated by commas)"
            )
        _check_kid(kid)
        if kid in keys:
            raise ValueError(f"key id {kid!r} appears twice in the key ring configuration")
        try:
            key = _b64decode(encoded.rstrip("="))
        except ValueError:
            raise ValueError(f"the key of {kid!r} is not valid base64url") from None
        _check_key(kid, key)
        keys[kid] = key
    return keys


class KeyRing:
    """AES-256-GCM under named key-encryption keys; the active one encrypts, all decrypt.

    Tokens look like ``v1.<kid>.<base64url(nonce || ciphertext || tag)>`` with a random 96-bit
    nonce (NIST SP 800-38D §8.2.2). The version and key id are authenticated with the caller's
    ``aad``, so no part of a token can be changed without :class:`SecretError`.
    """

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        for kid, key in keys.items():
            _check_kid(kid)
            _check_key(kid, key)
        if active not in keys:
            raise ValueError(f"the active key id {active!r} is not in the key ring")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active = active

    @classmethod
    def from_config(cls, value: str) -> KeyRing:
        """Read ``"kid1:<base64url key>,kid2:<...>"``; the first key is the active one."""
        keys = parse_keys(value)
        return cls(keys, active=next(iter(keys)))

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def encrypt(self, plaintext: bytes, *, aad: bytes) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.active].encrypt(nonce, plaintext, _aad(self.active, aad))
        return f"{_VERSION}.{self.active}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, aad: bytes) -> bytes:
        kid, blob = self._split(token)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise SecretError(f"unknown key id {kid!r}")
        try:
            return cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(kid, aad))
        except InvalidTag:
            raise SecretError("ciphertext does not decrypt: tampered, or the wrong row") from None

    def rotate(self, token: str, *, aad: bytes) -> str:
        """Re-encrypt under the active key, with a fresh nonce."""
        return self.encrypt(self.decrypt(token, aad=aad), aad=aad)

    def needs_rotation(self, token: str) -> bool:
        kid, _ = self._split(token)
        return kid != self.active

    def __repr__(self) -> str:
        return f"KeyRing(active={self.active!r}, kids={list(self._ciphers)!r})"

    @staticmethod
    def _split(token: str) -> tuple[str, bytes]:
        if not isinstance(token, str):
            raise TypeError(f"a secret token is a str, not {type(token).__name__}")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise SecretError("not a v1 secret token")
        _, kid, encoded = parts
        if not _KID.fullmatch(kid):
            raise SecretError("malformed key id in secret token")
        try:
            blob = _b64decode(encoded)
        except ValueError:
            raise SecretError("malformed secret token") from None
        if len(blob) < NONCE_BYTES + 16:
            raise SecretError("secret token is too short")
        return kid, blob


def _aad(kid: str, aad: bytes) -> bytes:
    # The header is authenticated too; a kid cannot contain ".", so the join is unambiguous.
    return f"{_VERSION}.{kid}.".encode("ascii") + aad


def _check_kid(kid: str) -> None:
    if not isinstance(kid, str) or not _KID.fullmatch(kid):
        raise ValueError(f"key id {kid!r} must be 1-32 characters of A-Z, a-z, 0-9, '_' or '-'")


def _check_key(kid: str, key: bytes) -> None:
    if not isinstance(key, bytes):
        raise TypeError(f"the key of {kid!r} must be bytes, not {type(key).__name__}")
    if len(key) != KEY_BYTES:
        raise ValueError(f"the key of {kid!r} is {len(key)} bytes; AES-256-GCM needs {KEY_BYTES}")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict unpadded base64url: one text for each value, nothing ignored."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None
    # Unused low bits in the last character would let two texts decode to the same bytes.
    if _b64encode(data) != text:
        raise ValueError("not canonical base64url")
    return data
