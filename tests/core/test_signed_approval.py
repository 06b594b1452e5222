"""The app's signed approval and the one hash of the approval text (segl.core.approval)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jwcrypto import jwk, jws

from segl.core.approval import (
    DECISIONS,
    MAX_LENGTH,
    REFUSED_CATEGORIES,
    Approval,
    sign_approval,
    text_sha256,
    verify_approval,
)
from segl.core.dpop import make_dpop, verify_dpop
from segl.core.errors import ApprovalTextRefused, ProofInvalid
from segl.core.jose import public_jwk
from tests.core.app_protocol import (
    APPROVAL,
    APPROVAL_HEADER,
    KEY,
    NOW,
    OTHER_KEY,
    TEXT,
    URL,
    T,
    _approval_claims,
    _approval_refusal,
    _b64,
    _b64json,
    _dpop_header,
    _parts,
    _signed,
    _unsigned,
    _without,
)

# -- approvals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", DECISIONS)
def test_an_approval_round_trips_for_each_decision(decision: str) -> None:
    approval = dataclasses.replace(APPROVAL, decision=decision)
    token = sign_approval(KEY, approval, now=NOW)
    assert verify_approval(token, public_jwk(KEY)) == approval


def test_the_decisions_are_approve_reject_and_fraud() -> None:
    assert DECISIONS == ("approve", "reject", "fraud")


def test_a_signed_approval_has_its_type_and_every_field() -> None:
    header, claims, _sig = _parts(sign_approval(KEY, APPROVAL, now=NOW))
    assert header == {"typ": "segl-approval+jwt", "alg": "ES256"}
    assert claims == _approval_claims()


def test_an_approval_verified_with_another_key_is_refused() -> None:
    token = sign_approval(KEY, APPROVAL, now=NOW)
    assert _approval_refusal(token, public_jwk(OTHER_KEY)) == "signature"


def test_an_approval_is_checked_with_the_registered_key_not_one_in_its_header() -> None:
    header = {**APPROVAL_HEADER, "jwk": public_jwk(OTHER_KEY)}
    token = _signed(OTHER_KEY, header, _approval_claims())
    assert _approval_refusal(token) == "signature"


@pytest.mark.parametrize(
    "change",
    [
        {"decision": "reject"},
        {"decision": "fraud"},
        {"request": "req-0002"},
        {"flow": "another-flow"},
        {"text_sha256": text_sha256("Betal 10000 kr. til Åse")},
        {"channel": "chan-0002"},
        {"iat": T + 1},
    ],
)
def test_an_approval_altered_after_signing_is_refused(change: dict[str, Any]) -> None:
    token = sign_approval(KEY, APPROVAL, now=NOW)
    head, _payload, signature = token.split(".")
    _header, claims, _sig = _parts(token)
    altered = f"{head}.{_b64json({**claims, **change})}.{signature}"
    assert _approval_refusal(altered) == "signature"


def test_an_approval_whose_header_is_altered_after_signing_is_refused() -> None:
    token = sign_approval(KEY, APPROVAL, now=NOW)
    _head, payload, signature = token.split(".")
    altered = f"{_b64json({**APPROVAL_HEADER, 'kid': 'x'})}.{payload}.{signature}"
    assert _approval_refusal(altered) == "signature"


def test_a_dpop_proof_does_not_pass_as_an_approval() -> None:
    assert _approval_refusal(make_dpop(KEY, method="POST", url=URL, now=NOW)) == "wrong_type"


def test_approval_claims_signed_as_a_dpop_proof_are_refused() -> None:
    token = _signed(KEY, _dpop_header(), _approval_claims())
    assert _approval_refusal(token) == "wrong_type"


@pytest.mark.parametrize("typ", ["JWT", "segl-approval", "SEGL-APPROVAL+JWT", "", None])
def test_an_approval_of_another_type_is_refused(typ: Any) -> None:
    header = {**APPROVAL_HEADER, "typ": typ} if typ is not None else {"alg": "ES256"}
    assert _approval_refusal(_signed(KEY, header, _approval_claims())) == "wrong_type"


def test_an_approval_with_alg_none_or_hmac_is_refused() -> None:
    none = _unsigned({**APPROVAL_HEADER, "alg": "none"}, _approval_claims(), signature=b"")
    assert _approval_refusal(none) == "wrong_algorithm"
    secret = jwk.JWK(kty="oct", k=_b64(json.dumps(public_jwk(KEY)).encode()))
    hmac_token = _signed(secret, {**APPROVAL_HEADER, "alg": "HS256"}, _approval_claims())
    assert _approval_refusal(hmac_token) == "wrong_algorithm"


@pytest.mark.parametrize("field", ["request", "flow", "text_sha256", "channel", "decision"])
def test_an_approval_missing_a_field_is_refused(field: str) -> None:
    token = _signed(KEY, APPROVAL_HEADER, _without(_approval_claims(), field))
    assert _approval_refusal(token) == "approval_fields"


@pytest.mark.parametrize("field", ["request", "flow", "text_sha256", "channel", "decision"])
@pytest.mark.parametrize("value", [None, 1, True, ["approve"], {"v": "approve"}])
def test_an_approval_with_a_field_that_is_not_a_string_is_refused(field: str, value: Any) -> None:
    token = _signed(KEY, APPROVAL_HEADER, _approval_claims(**{field: value}))
    assert _approval_refusal(token) == "approval_fields"


@pytest.mark.parametrize("decision", ["maybe", "", "APPROVE", "approve ", "approved"])
def test_an_approval_with_an_unknown_decision_is_refused(decision: str) -> None:
    token = _signed(KEY, APPROVAL_HEADER, _approval_claims(decision=decision))
    assert _approval_refusal(token) == "decision"


def test_an_approval_whose_payload_is_not_an_object_is_refused() -> None:
    token = _signed(KEY, APPROVAL_HEADER, [_approval_claims()])
    assert _approval_refusal(token) == "malformed"


@pytest.mark.parametrize("token", [None, 1, b"a.b.c", "", "a.b", "a.b.c.d", "x" * 5000])
def test_a_malformed_approval_is_refused(token: Any) -> None:
    assert _approval_refusal(token) == "malformed"


def test_an_approval_is_not_checked_with_a_private_key_as_the_registered_key() -> None:
    token = sign_approval(KEY, APPROVAL, now=NOW)
    assert _approval_refusal(token, KEY.export(as_dict=True)) == "key_private"


def test_an_approval_is_not_checked_with_a_registered_key_other_than_p256() -> None:
    token = sign_approval(KEY, APPROVAL, now=NOW)
    other = jwk.JWK.generate(kty="EC", crv="P-384").export_public(as_dict=True)
    assert _approval_refusal(token, other) == "key_not_p256"


@pytest.mark.parametrize("decision", ["maybe", "", "APPROVE"])
def test_an_approval_with_an_unknown_decision_cannot_be_made(decision: str) -> None:
    with pytest.raises(ValueError, match="decision"):
        Approval(request="r", flow="f", text_sha256="h", channel="c", decision=decision)


def test_sign_approval_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        sign_approval(KEY, APPROVAL, now=NOW.replace(tzinfo=None))


# -- the text hash --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "Log på hos Borger.dk", TEXT, "emoji 🙂", "a b"])
def test_text_sha256_is_the_hex_sha256_of_the_utf8_text(text: str) -> None:
    assert text_sha256(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_text_sha256_known_values() -> None:
    assert text_sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert text_sha256(TEXT) == hashlib.sha256("Betal 100 kr. til Åse".encode()).hexdigest()
    assert text_sha256(TEXT) != hashlib.sha256(TEXT.encode("latin-1")).hexdigest()


@given(
    st.text(
        alphabet=st.characters(exclude_categories=tuple(REFUSED_CATEGORIES)),
        max_size=MAX_LENGTH,
    )
)
def test_any_showable_text_hashes_as_its_utf8_bytes(text: str) -> None:
    digest = text_sha256(text)
    assert digest == hashlib.sha256(text.encode()).hexdigest()
    assert len(digest) == 64


@pytest.mark.parametrize("text", ["a\nb", "Pay \u202e100", "x" * (MAX_LENGTH + 1)])
def test_a_text_that_would_not_show_as_itself_has_no_hash(text: str) -> None:
    """The server and the app hash the text they show; neither shows one the rule refuses."""
    with pytest.raises(ApprovalTextRefused):
        text_sha256(text)


def test_a_coordinate_with_stray_low_bits_is_refused() -> None:
    """The last base64url character of a 32-byte value has 2 unused bits; setting them spells
    the same bytes differently, which would give one key a second thumbprint."""
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    public = public_jwk(key)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(public["x"][-1])
    twin = public["x"][:-1] + alphabet[last ^ 1]
    assert base64.urlsafe_b64decode(twin + "=") == base64.urlsafe_b64decode(public["x"] + "=")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": {**public, "x": twin}}
    claims = {"jti": "a" * 16, "htm": "GET", "htu": URL, "iat": int(NOW.timestamp())}
    token = jws.JWS(json.dumps(claims).encode())
    token.add_signature(key, alg="ES256", protected=header)
    with pytest.raises(ProofInvalid) as caught:
        verify_dpop(token.serialize(compact=True), method="GET", url=URL, now=NOW)
    assert caught.value.reason == "key_malformed"
