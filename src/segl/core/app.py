"""The segl app's protocol (DESIGN §4): channel binding, DPoP proofs and signed approvals.

The app holds a P-256 key that never leaves it. Every request it makes carries a DPoP proof
(RFC 9449) signed with that key, so the server knows which app instance speaks by the key's
RFC 7638 thumbprint. Before an approval the app proves it is near the browser that started the
flow: it scans the browser's animated QR code (``segl.<flow>.<t>.<HMAC-SHA256(secret, t)>``,
new every second, BankID style) or the citizen types the browser's one-time code into it. The
server answers a proven binding with a *channel proof*; the approval is a JWS by the app's key
over the request, the flow, the SHA-256 of the text shown, that channel proof and the decision.

Everything here is pure: times are passed in, nothing is stored. Replay of DPoP ``jti`` values
and one-use of channel proofs are the caller's to enforce.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jwcrypto import jwk, jws
from jwcrypto.common import JWException

from .approval import check_approval_text
from .clock import require_aware
from .errors import BindingInvalid, ProofInvalid

__all__ = [
    "DECISIONS",
    "Approval",
    "DpopProof",
    "QrScan",
    "check_binding_code",
    "check_qr",
    "make_dpop",
    "new_binding_code",
    "parse_qr",
    "public_jwk",
    "qr_payload",
    "sign_approval",
    "text_sha256",
    "thumbprint",
    "verify_approval",
    "verify_dpop",
]

DECISIONS = ("approve", "reject", "fraud")
ALGORITHM = "ES256"
DPOP_TYPE = "dpop+jwt"
APPROVAL_TYPE = "segl-approval+jwt"
_MAX_TOKEN = 4096
_QR = re.compile(r"segl\.([A-Za-z0-9_-]{1,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def text_sha256(text: str) -> str:
    """The hash of an approval text as shown, hex (the ID token's ``segl_approval_sha256``).

    Only a text that shows as itself has one: others raise ``ApprovalTextRefused``
    (segl.core.approval), so neither the server nor the app puts one before a citizen.
    """
    check_approval_text(text)
    return hashlib.sha256(text.encode()).hexdigest()


# -- channel binding ------------------------------------------------------------------------------


def _qr_mac(secret: bytes, t: int) -> str:
    return _b64(hmac.new(secret, str(t).encode(), hashlib.sha256).digest())


def qr_payload(flow_id: str, t: int, secret: bytes) -> str:
    """The QR code's text for second ``t`` (Unix time) of a flow."""
    return f"segl.{flow_id}.{t}.{_qr_mac(secret, t)}"


@dataclass(frozen=True)
class QrScan:
    flow_id: str
    t: int
    mac: str


def parse_qr(payload: str) -> QrScan:
    match = _QR.fullmatch(payload.strip()) if isinstance(payload, str) else None
    if match is None:
        raise BindingInvalid("qr_malformed")
    return QrScan(flow_id=match[1], t=int(match[2]), mac=match[3])


def check_qr(
    scan: QrScan, *, flow_id: str, secret: bytes, now: datetime, max_age: timedelta
) -> None:
    """Accept a scan only of this flow's code, made with its secret, at most ``max_age`` old
    (and not from the future, beyond a second of clock difference between nodes)."""
    if not hmac.compare_digest(scan.flow_id, flow_id):
        raise BindingInvalid("qr_other_flow")
    if not hmac.compare_digest(scan.mac, _qr_mac(secret, scan.t)):
        raise BindingInvalid("qr_forged")
    age = require_aware(now).timestamp() - scan.t
    if age > max_age.total_seconds() or age < -1:
        raise BindingInvalid("qr_stale")


def new_binding_code(length: int) -> str:
    """A one-time code of ``length`` digits for the browser to show (4 by default, seed 003)."""
    if not 4 <= length <= 10:
        raise ValueError("a one-time code has 4 to 10 digits")
    return "".join(secrets.choice("0123456789") for _ in range(length))


def check_binding_code(given: str, expected: str) -> None:
    digits = "".join(given.split()) if isinstance(given, str) else ""
    if not hmac.compare_digest(digits.encode(), expected.encode()):
        raise BindingInvalid("code_wrong")


# -- keys and DPoP proofs (RFC 9449) --------------------------------------------------------------


def public_jwk(key: jwk.JWK) -> dict[str, str]:
    exported: dict[str, str] = key.export_public(as_dict=True)
    return {k: exported[k] for k in ("kty", "crv", "x", "y")}


def thumbprint(public: dict[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint of a P-256 public key, base64url."""
    members = {k: public[k] for k in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode()).digest())


def _p256(public: Any) -> jwk.JWK:
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
            if len(value) != 43 or _b64(_unb64(value)) != value:
                raise ValueError("a P-256 coordinate is 32 bytes")
        return jwk.JWK(**{k: public[k] for k in ("kty", "crv", "x", "y")})
    except (KeyError, TypeError, ValueError, JWException) as exc:
        raise ProofInvalid("key_malformed") from exc


def _decode(token: Any, key: jwk.JWK | None, typ: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS of type ``typ``; with no key, the key is the header's ``jwk``."""
    if not isinstance(token, str) or len(token) > _MAX_TOKEN or token.count(".") != 2:
        raise ProofInvalid("malformed")
    try:
        header = json.loads(_unb64(token.split(".")[0]))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ProofInvalid("malformed") from exc
    if not isinstance(header, dict) or header.get("typ") != typ:
        raise ProofInvalid("wrong_type")
    if header.get("alg") != ALGORITHM:
        raise ProofInvalid("wrong_algorithm")
    if key is None:
        key = _p256(header.get("jwk"))
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


def _sign(key: jwk.JWK, header: dict[str, Any], claims: dict[str, Any]) -> str:
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(key, alg=ALGORITHM, protected=header)
    result: str = token.serialize(compact=True)
    return result


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
    header, claims = _decode(proof, None, DPOP_TYPE)
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
        raise ProofInvalid("jti")
    if claims.get("htm") != method:
        raise ProofInvalid("htm")
    htu = claims.get("htu")
    try:
        same = isinstance(htu, str) and normalise_htu(htu) == normalise_htu(url)
    except ValueError:  # not a URL at all (urlsplit refuses, e.g., a broken IPv6 host)
        same = False
    if not same:
        raise ProofInvalid("htu")
    if isinstance(iat, bool) or not isinstance(iat, int):
        raise ProofInvalid("iat")
    age = int(require_aware(now).timestamp()) - iat  # whole seconds: no float overflow
    if age > max_age.total_seconds() or age < -5:
        raise ProofInvalid("iat")
    public = {k: header["jwk"][k] for k in ("kty", "crv", "x", "y")}
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
    return _sign(key, header, claims)


# -- the approval ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """What the app signs: this request of this flow, this text, this binding, this answer."""

    request: str
    flow: str
    text_sha256: str
    channel: str
    decision: str

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")


def sign_approval(key: jwk.JWK, approval: Approval, *, now: datetime) -> str:
    claims = {**approval.__dict__, "iat": int(require_aware(now).timestamp())}
    return _sign(key, {"typ": APPROVAL_TYPE, "alg": ALGORITHM}, claims)


def verify_approval(token: Any, public: dict[str, str]) -> Approval:
    """Check the signature by the app's registered key and read the approval."""
    _header, claims = _decode(token, _p256(public), APPROVAL_TYPE)
    fields = ("request", "flow", "text_sha256", "channel", "decision")
    if not all(isinstance(claims.get(f), str) for f in fields):
        raise ProofInvalid("approval_fields")
    if claims["decision"] not in DECISIONS:
        raise ProofInvalid("decision")
    return Approval(**{f: claims[f] for f in fields})
