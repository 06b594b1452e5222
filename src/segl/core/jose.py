"""The JOSE pieces of the app protocol: P-256 keys as JWKs, their thumbprints, ES256 signatures.

- RFC 7515 (JWS) compact serialisation, signed with ES256 (RFC 7518 §3.4) and nothing else.
- RFC 7518 §6.2: an EC public key as a JWK; for P-256 each coordinate is exactly 32 bytes.
- RFC 7638: the JWK thumbprint, SHA-256 over the key's required members, as jwcrypto computes it.

Pure: nothing is stored, nothing is timed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from .errors import ProofInvalid

__all__ = [
    "ALGORITHM",
    "b64",
    "decode_jws",
    "p256_key",
    "public_jwk",
    "sign_jws",
    "thumbprint",
    "unb64",
]

ALGORITHM = "ES256"
P256_MEMBERS = ("kty", "crv", "x", "y")
MAX_TOKEN = 4096


def b64(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(key: jwk.JWK) -> dict[str, str]:
    """The public half of a P-256 key: its required members only."""
    exported: dict[str, str] = key.export_public(as_dict=True)
    return {k: exported[k] for k in P256_MEMBERS}


def thumbprint(public: Mapping[str, Any]) -> str:
    """RFC 7638 §3: the base64url SHA-256 of the key's required members in canonical JSON.

    Members other than the required ones (``kid``, ``use``, …) do not count (§3.2).
    """
    digest: str = jwk.JWK(**public).thumbprint()
    return digest


def p256_key(public: Any) -> jwk.JWK:
    """A P-256 public key from its JWK, spelled the one way; raises ``ProofInvalid`` else."""
    if not isinstance(public, dict) or public.get("kty") != "EC" or public.get("crv") != "P-256":
        raise ProofInvalid("key_not_p256")
    if "d" in public:
        raise ProofInvalid("key_private")
    try:
        # RFC 7518 §6.2.1.2: each coordinate is exactly 32 bytes for P-256; another length of
        # the same point would give the same key a second thumbprint.
        for k in ("x", "y"):
            value = public[k]
            # 43 characters of unpadded base64url, and the one spelling of its 32 bytes (the
            # last character's unused bits must be zero): one key, one thumbprint.
            if len(value) != 43 or b64(unb64(value)) != value:
                raise ValueError("a P-256 coordinate is 32 bytes")
        return jwk.JWK(**{k: public[k] for k in P256_MEMBERS})
    except (KeyError, TypeError, ValueError, JWException) as exc:
        raise ProofInvalid("key_malformed") from exc


def decode_jws(token: Any, key: jwk.JWK | None, typ: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS of type ``typ``; with no key, the key is the header's ``jwk``."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 2:
        raise ProofInvalid("malformed")
    try:
        header = json.loads(unb64(token.split(".")[0]))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProofInvalid("malformed") from exc
    if not isinstance(header, dict) or header.get("typ") != typ:
        raise ProofInvalid("wrong_type")
    if header.get("alg") != ALGORITHM:
        raise ProofInvalid("wrong_algorithm")
    if key is None:
        key = p256_key(header.get("jwk"))
    signed = jws.JWS()
    try:
        signed.deserialize(token)
        signed.verify(key, alg=ALGORITHM)
        claims = json.loads(signed.payload)
    except (JWException, ValueError, UnicodeDecodeError) as exc:
        raise ProofInvalid("signature") from exc
    except RecursionError as exc:  # JSON nested deeper than anyone writes it
        raise ProofInvalid("malformed") from exc
    if not isinstance(claims, dict):
        raise ProofInvalid("malformed")
    return header, claims


def sign_jws(key: jwk.JWK, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A compact JWS of ``claims`` under the protected ``header``, signed with ES256."""
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(key, alg=ALGORITHM, protected=header)
    result: str = token.serialize(compact=True)
    return result
