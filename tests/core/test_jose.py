"""Keys as JWKs and their RFC 7638 thumbprints (segl.core.jose)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from jwcrypto import jwk

from segl.core.jose import public_jwk, thumbprint
from tests.core.app_protocol import (
    KEY,
    OTHER_KEY,
    P256_ORDER,
    _b64,
    _key_from_scalar,
)

# -- thumbprints (RFC 7638) -----------------------------------------------------------------------

RFC7638 = json.loads(
    (Path(__file__).parents[1] / "vectors" / "rfc7638_thumbprint.json").read_text()
)


def test_the_thumbprint_of_the_rfc7638_example_key_is_the_rfcs() -> None:
    """RFC 7638 §3.1: the example RSA key, its canonical JSON, and its thumbprint."""
    assert thumbprint(RFC7638["jwk"]) == RFC7638["thumbprint"]
    canonical = RFC7638["canonical"].encode()
    assert _b64(hashlib.sha256(canonical).digest()) == RFC7638["thumbprint"]


def test_the_thumbprint_is_jwcryptos_sha256_thumbprint() -> None:
    for _ in range(10):
        key = jwk.JWK.generate(kty="EC", crv="P-256")
        assert thumbprint(public_jwk(key)) == key.thumbprint()


@given(st.integers(min_value=1, max_value=P256_ORDER - 1))
def test_any_p256_key_has_jwcryptos_thumbprint(scalar: int) -> None:
    key = _key_from_scalar(scalar)
    assert thumbprint(public_jwk(key)) == key.thumbprint()


def test_the_thumbprint_ignores_members_other_than_the_required_ones() -> None:
    public = public_jwk(KEY)
    extended: dict[str, Any] = {
        **public,
        "kid": "my-key",
        "use": "sig",
        "alg": "ES256",
        "key_ops": ["verify"],
    }
    assert thumbprint(extended) == thumbprint(public) == KEY.thumbprint()


def test_the_thumbprint_is_the_rfc7638_canonical_form_hashed() -> None:
    public = public_jwk(KEY)
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{public["x"]}","y":"{public["y"]}"}}'.encode()
    assert thumbprint(public) == _b64(hashlib.sha256(canonical).digest())
    assert len(thumbprint(public)) == 43


def test_different_keys_have_different_thumbprints() -> None:
    assert thumbprint(public_jwk(KEY)) != thumbprint(public_jwk(OTHER_KEY))


def test_public_jwk_has_the_public_members_only() -> None:
    public = public_jwk(KEY)
    assert set(public) == {"kty", "crv", "x", "y"}
    assert (public["kty"], public["crv"]) == ("EC", "P-256")
    assert public == {k: KEY.export(as_dict=True)[k] for k in ("kty", "crv", "x", "y")}
