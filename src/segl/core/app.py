"""The segl app's protocol (DESIGN §4), in one import for the app's callers.

Each part lives in the module of its spec; this module only gathers their names:

- segl.core.dpop: DPoP proofs by the app's P-256 key (RFC 9449);
- segl.core.jose: the key as a JWK, its RFC 7638 thumbprint, ES256 compact JWS (RFC 7515);
- segl.core.binding: channel binding, the animated QR code and the one-time code;
- segl.core.approval: the approval text, its one hash, and the app's signed approval.

New code imports from the spec's module.
"""

from __future__ import annotations

from .approval import (
    APPROVAL_TYPE,
    DECISIONS,
    Approval,
    sign_approval,
    text_sha256,
    verify_approval,
)
from .binding import (
    QrScan,
    check_binding_code,
    check_qr,
    new_binding_code,
    parse_qr,
    qr_payload,
)
from .dpop import DPOP_TYPE, DpopProof, make_dpop, normalise_htu, verify_dpop
from .jose import ALGORITHM, public_jwk, thumbprint

__all__ = [
    "ALGORITHM",
    "APPROVAL_TYPE",
    "DECISIONS",
    "DPOP_TYPE",
    "Approval",
    "DpopProof",
    "QrScan",
    "check_binding_code",
    "check_qr",
    "make_dpop",
    "new_binding_code",
    "normalise_htu",
    "parse_qr",
    "public_jwk",
    "qr_payload",
    "sign_approval",
    "text_sha256",
    "thumbprint",
    "verify_approval",
    "verify_dpop",
]
