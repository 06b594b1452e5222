"""DPoP proofs (RFC 9449): every call the app makes is signed with its own P-256 key.

The proof is a JWS of type ``dpop+jwt`` whose header carries the public key (§4.2); the server
knows which app instance speaks by that key's RFC 7638 thumbprint. Pure: times are passed in;
accepting each ``jti`` once (§11.1) is the caller's to enforce.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jwcrypto import jwk

from .clock import require_aware
from .errors import ProofInvalid
from .jose import ALGORITHM, P256_MEMBERS, decode_jws, public_jwk, sign_jws, thumbprint

__all__ = ["DPOP_TYPE", "DpopProof", "make_dpop", "normalise_htu", "verify_dpop"]

DPOP_TYPE = "dpop+jwt"  # RFC 9449 §4.2


def normalise_htu(url: str) -> str:
    """RFC 9449 §4.3: compare ``htu`` without query and fragment, scheme and host case-folded."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))


@dataclass(frozen=True)
class DpopProof:
    thumbprint: str
    jwk: dict[str, str]
    jti: str
    iat: int


def verify_dpop(
    proof: Any,
    *,
    method: str,
    url: str,
    now: datetime,
    max_age: timedelta = timedelta(seconds=60),
) -> DpopProof:
    """Check a DPoP proof (RFC 9449 §4.3) for a request to ``method url`` at ``now``."""
    header, claims = decode_jws(proof, None, DPOP_TYPE)
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
        raise ProofInvalid("jti")
    # §4.3 item 8: "the htm claim matches the HTTP method of the current request".
    if claims.get("htm") != method:
        raise ProofInvalid("htm")
    htu = claims.get("htu")
    try:
        same = isinstance(htu, str) and normalise_htu(htu) == normalise_htu(url)
    except ValueError:  # not a URL at all (urlsplit refuses, e.g., a broken IPv6 host)
        same = False
    # §4.3 item 9: "the htu claim matches the HTTP URI value for the HTTP request".
    if not same:
        raise ProofInvalid("htu")
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise ProofInvalid("iat")
    # §4.3 item 11: the creation time is "within an acceptable window".
    age = int(require_aware(now).timestamp()) - iat  # whole seconds: no float overflow
    if age > max_age.total_seconds() or age < -5:
        raise ProofInvalid("iat")
    public = {k: header["jwk"][k] for k in P256_MEMBERS}
    return DpopProof(thumbprint=thumbprint(public), jwk=public, jti=jti, iat=iat)


def make_dpop(key: jwk.JWK, *, method: str, url: str, now: datetime) -> str:
    """A DPoP proof for one request (what the app and its emulator send)."""
    header = {"typ": DPOP_TYPE, "alg": ALGORITHM, "jwk": public_jwk(key)}
    claims = {
        "jti": secrets.token_urlsafe(16),
        "htm": method,
        "htu": normalise_htu(url),
        "iat": int(require_aware(now).timestamp()),
    }
    return sign_jws(key, header, claims)
