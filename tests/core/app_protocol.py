"""What the app protocol's tests share: a key, a flow, a text, and hand-made tokens."""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jwk, jws

from segl.core.approval import (
    Approval,
    text_sha256,
    verify_approval,
)
from segl.core.binding import (
    check_qr,
    parse_qr,
)
from segl.core.dpop import verify_dpop
from segl.core.errors import BindingInvalid, ProofInvalid
from segl.core.jose import public_jwk

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
T = int(NOW.timestamp())
URL = "https://segl.example/app/v1/approve"
FLOW = "Flow_0-abc"
SECRET = bytes(range(32))
OTHER_SECRET = bytes(range(1, 33))
MAX_AGE = timedelta(seconds=3)
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

KEY = jwk.JWK.generate(kty="EC", crv="P-256")
OTHER_KEY = jwk.JWK.generate(kty="EC", crv="P-256")
TEXT = "Betal 100 kr. til Åse"
APPROVAL = Approval(
    request="req-0001",
    flow=FLOW,
    text_sha256=text_sha256(TEXT),
    channel="chan-0001",
    decision="approve",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64json(obj: Any) -> str:
    return _b64(json.dumps(obj).encode())


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return json.loads(_unb64(header)), json.loads(_unb64(payload)), signature


def _signed(key: jwk.JWK, header: dict[str, Any], claims: Any) -> str:
    """A compact JWS signed by ``key`` with exactly this protected header (built by hand)."""
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(key, alg=header.get("alg"), protected=json.dumps(header))
    result: str = token.serialize(compact=True)
    return result


def _unsigned(header: Any, claims: Any, signature: bytes = b"\x01" * 64) -> str:
    """A compact JWS with any header and a signature that signs nothing."""
    return f"{_b64json(header)}.{_b64json(claims)}.{_b64(signature)}"


def _dpop_header(key: jwk.JWK = KEY, **changes: Any) -> dict[str, Any]:
    return {"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(key), **changes}


def _dpop_claims(**changes: Any) -> dict[str, Any]:
    return {"jti": "jti-0123456789", "htm": "POST", "htu": URL, "iat": T, **changes}


def _without(mapping: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k != name}


def _verify(proof: Any, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {"method": "POST", "url": URL, "now": NOW, **kwargs}
    return verify_dpop(proof, **arguments)


def _dpop_refusal(proof: Any, **kwargs: Any) -> str:
    with pytest.raises(ProofInvalid) as caught:
        _verify(proof, **kwargs)
    assert caught.value.code == "proof_invalid"
    return caught.value.reason


def _approval_claims(**changes: Any) -> dict[str, Any]:
    return {**dataclasses.asdict(APPROVAL), "iat": T, **changes}


APPROVAL_HEADER = {"typ": "segl-approval+jwt", "alg": "ES256"}


def _approval_refusal(token: Any, public: Any = None) -> str:
    with pytest.raises(ProofInvalid) as caught:
        verify_approval(token, public_jwk(KEY) if public is None else public)
    return caught.value.reason


def _binding_refusal(payload: Any, **kwargs: Any) -> str:
    arguments: dict[str, Any] = {"flow_id": FLOW, "secret": SECRET, "now": NOW, "max_age": MAX_AGE}
    arguments.update(kwargs)
    with pytest.raises(BindingInvalid) as caught:
        check_qr(parse_qr(payload), **arguments)
    assert caught.value.code == "binding_invalid"
    return caught.value.reason


def _qr_malformed(payload: Any) -> str:
    with pytest.raises(BindingInvalid) as caught:
        parse_qr(payload)
    return caught.value.reason


def _key_from_scalar(scalar: int) -> jwk.JWK:
    return jwk.JWK.from_pyca(ec.derive_private_key(scalar, ec.SECP256R1()))
