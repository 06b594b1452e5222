"""Signed checkpoints of the audit chains: the head of every partition, signed with Ed25519.

A keyed chain shows any change made without the audit key, but not the newest events cut off,
nor a chain re-sealed by someone who holds the key. A checkpoint pins each partition's head
(partition, ``seq``, seal) under an Ed25519 signature (RFC 8032) whose private key is not in
the database; kept in append-only storage, it proves later that the chain reached that far,
with that content.

A checkpoint is one line of canonical JSON (sorted keys, no spaces)::

    {"at":"2026-11-23T19:37:00.000000+00:00","heads":[[-1,120,"…"],[0,57,"…"]],
     "key":"<key id>","sig":"<base64url signature>","type":"segl-audit-checkpoint","v":1}

The signature covers the same object without ``"sig"``; ``key`` names the signing key by the
first 16 hex digits of SHA-256 over its raw public key, so keys can be rotated. Text around the
JSON object is ignored, so lines copied out of a syslog file read as they are.
A line that is not a checkpoint of a known key raises :class:`CheckpointError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from segl.core.errors import SeglError

TYPE = "segl-audit-checkpoint"
VERSION = 1


class CheckpointError(SeglError):
    """checkpoint_invalid: a line that is not a well-formed checkpoint signed by a known key."""

    code = "checkpoint_invalid"


@dataclass(frozen=True)
class Head:
    partition: int
    seq: int
    digest: str


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    heads: tuple[Head, ...]
    key_id: str

    def label(self) -> str:
        return f"the checkpoint of {self.at.isoformat(timespec='seconds')}"


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def generate_signing_key_pem() -> bytes:
    """A fresh Ed25519 private key in PKCS#8 PEM."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signing_key(pem: bytes) -> Ed25519PrivateKey:
    """The private key from PEM; ``ValueError`` if it is not an unencrypted Ed25519 key."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise ValueError("not an unencrypted private key in PEM form") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the audit signing key must be an Ed25519 key")
    return key


def load_verify_key(pem: bytes) -> Ed25519PublicKey:
    """A public key from PEM (a private key gives its public half); ``ValueError`` otherwise."""
    if b"PRIVATE KEY" in pem:
        return load_signing_key(pem).public_key()
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise ValueError("not a public key in PEM form") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the audit checkpoint key must be an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def sign_checkpoint(key: Ed25519PrivateKey, *, at: datetime, heads: Iterable[Head]) -> str:
    """One checkpoint line (no newline) over ``heads``, signed at ``at``."""
    if at.tzinfo is None:
        raise ValueError("a checkpoint's time must be timezone-aware")
    body: dict[str, Any] = {
        "type": TYPE,
        "v": VERSION,
        "at": at.isoformat(timespec="microseconds"),
        "heads": [[h.partition, h.seq, h.digest] for h in sorted(heads, key=_order)],
        "key": key_id(key.public_key()),
    }
    signature = key.sign(_canonical(body))
    return _canonical({**body, "sig": _b64encode(signature)}).decode("ascii")


def read_checkpoint(line: str, keys: Mapping[str, Ed25519PublicKey]) -> Checkpoint:
    """Parse and check one line; ``keys`` maps key ids to the public keys that may sign."""
    start = line.find("{")
    if start < 0:
        raise CheckpointError("not a checkpoint")
    try:
        body, _ = json.JSONDecoder().raw_decode(line, start)
    except (ValueError, RecursionError):
        raise CheckpointError("not a checkpoint (malformed JSON)") from None
    if not isinstance(body, dict) or body.get("type") != TYPE or body.get("v") != VERSION:
        raise CheckpointError("not a version 1 checkpoint")
    signature = body.pop("sig", None)
    kid = body.get("key")
    if not isinstance(signature, str) or not isinstance(kid, str):
        raise CheckpointError("a checkpoint without signature or key id")
    public_key = keys.get(kid)
    if public_key is None:
        raise CheckpointError(f"signed by key {kid!r}, which is not a known checkpoint key")
    try:
        public_key.verify(_b64decode(signature), _canonical(body))
    except (InvalidSignature, ValueError):
        raise CheckpointError("its signature does not match: forged or changed") from None
    # Signed, so written by segl; a malformed body still must not crash the reader.
    try:
        at = datetime.fromisoformat(body["at"])
        heads = tuple(Head(int(p), int(s), str(d)) for p, s, d in body["heads"])
    except (KeyError, TypeError, ValueError):
        raise CheckpointError("a signed checkpoint with malformed content") from None
    return Checkpoint(at=at, heads=heads, key_id=kid)


def _order(head: Head) -> int:
    return head.partition


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not base64url") from None
