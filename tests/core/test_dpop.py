"""DPoP proofs, RFC 9449 (segl.core.dpop)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwcrypto import jwk, jws

from segl.core.approval import (
    sign_approval,
    verify_approval,
)
from segl.core.dpop import make_dpop
from segl.core.errors import ProofInvalid
from segl.core.jose import public_jwk
from tests.core.app_protocol import (
    APPROVAL,
    KEY,
    NOW,
    OTHER_KEY,
    URL,
    T,
    _b64,
    _b64json,
    _dpop_claims,
    _dpop_header,
    _dpop_refusal,
    _key_from_scalar,
    _parts,
    _signed,
    _unb64,
    _unsigned,
    _verify,
    _without,
)

# -- DPoP proofs ----------------------------------------------------------------------------------


def test_a_fresh_proof_verifies_and_names_its_key() -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    checked = _verify(proof)
    _header, claims, _sig = _parts(proof)
    assert checked.thumbprint == KEY.thumbprint()
    assert checked.jwk == public_jwk(KEY)
    assert "d" not in checked.jwk
    assert checked.jti == claims["jti"]
    assert checked.iat == T


def test_a_proof_has_the_rfc9449_header_and_claims() -> None:
    proof = make_dpop(KEY, method="GET", url=URL + "?a=1#frag", now=NOW)
    header, claims, _sig = _parts(proof)
    assert header == {"typ": "dpop+jwt", "alg": "ES256", "jwk": public_jwk(KEY)}
    assert set(claims) == {"jti", "htm", "htu", "iat"}
    assert (claims["htm"], claims["htu"], claims["iat"]) == ("GET", URL, T)
    assert len(claims["jti"]) >= 16


def test_every_proof_has_its_own_jti() -> None:
    jtis = {_verify(make_dpop(KEY, method="POST", url=URL, now=NOW)).jti for _ in range(20)}
    assert len(jtis) == 20


def test_a_hand_made_proof_verifies() -> None:
    # The baseline that the refusals below each change in one way.
    checked = _verify(_signed(KEY, _dpop_header(), _dpop_claims()))
    assert (checked.thumbprint, checked.jti, checked.iat) == (
        KEY.thumbprint(),
        "jti-0123456789",
        T,
    )


@pytest.mark.parametrize("method", ["GET", "PUT", "post", "POST ", ""])
def test_a_proof_for_another_method_is_refused(method: str) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _dpop_refusal(proof, method=method) == "htm"


@pytest.mark.parametrize("htm", [None, 1, ["POST"]])
def test_a_proof_whose_htm_is_not_the_method_string_is_refused(htm: Any) -> None:
    proof = _signed(KEY, _dpop_header(), _dpop_claims(htm=htm))
    assert _dpop_refusal(proof) == "htm"


@pytest.mark.parametrize(
    "url",
    [
        "https://segl.example/app/v1/reject",
        "https://segl.example/app/v1/approve/",
        "https://segl.example/app/v1/APPROVE",
        "http://segl.example/app/v1/approve",
        "https://evil.example/app/v1/approve",
        "https://segl.example:8443/app/v1/approve",
        "https://segl.example.evil.example/app/v1/approve",
    ],
)
def test_a_proof_for_another_url_is_refused(url: str) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _dpop_refusal(proof, url=url) == "htu"


@pytest.mark.parametrize("htu", [None, 1, [URL], {"url": URL}])
def test_a_proof_whose_htu_is_not_a_string_is_refused(htu: Any) -> None:
    proof = _signed(KEY, _dpop_header(), _dpop_claims(htu=htu))
    assert _dpop_refusal(proof) == "htu"


@pytest.mark.parametrize(
    "url",
    [
        URL + "?flow=abc",
        URL + "#fragment",
        URL + "?flow=abc#fragment",
        "HTTPS://SEGL.EXAMPLE/app/v1/approve",
        "https://Segl.Example/app/v1/approve?x=1",
    ],
)
def test_the_request_url_is_compared_without_query_fragment_or_case_of_scheme_and_host(
    url: str,
) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _verify(proof, url=url).thumbprint == KEY.thumbprint()


@pytest.mark.parametrize(
    "htu",
    [
        URL + "?flow=abc",
        URL + "#fragment",
        "HTTPS://SEGL.EXAMPLE/app/v1/approve?flow=abc#x",
        "hTtPs://sEgL.eXaMpLe/app/v1/approve",
    ],
)
def test_the_proofs_htu_is_compared_without_query_fragment_or_case_of_scheme_and_host(
    htu: str,
) -> None:
    proof = _signed(KEY, _dpop_header(), _dpop_claims(htu=htu))
    assert _verify(proof).jti == "jti-0123456789"


def test_the_path_of_the_url_is_compared_with_its_case() -> None:
    proof = _signed(KEY, _dpop_header(), _dpop_claims(htu="https://segl.example/APP/v1/approve"))
    assert _dpop_refusal(proof) == "htu"


@pytest.mark.parametrize("htu", ["https://[::1/approve", "https://[segl.example]/approve"])
def test_a_proof_whose_htu_is_not_a_url_is_refused_as_htu(htu: str) -> None:
    # Attacker input must raise ProofInvalid, not escape as a ValueError from urlsplit.
    proof = _signed(KEY, _dpop_header(), _dpop_claims(htu=htu))
    assert _dpop_refusal(proof) == "htu"


@pytest.mark.parametrize("age", [timedelta(0), timedelta(seconds=30), timedelta(seconds=60)])
def test_a_proof_up_to_max_age_old_is_accepted(age: timedelta) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _verify(proof, now=NOW + age).iat == T


@pytest.mark.parametrize("late", [timedelta(seconds=1), timedelta(hours=1), timedelta(days=400)])
def test_a_proof_older_than_max_age_is_refused(late: timedelta) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _dpop_refusal(proof, now=NOW + timedelta(seconds=60) + late) == "iat"


def test_the_proof_max_age_is_the_callers() -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    later = NOW + timedelta(seconds=10)
    assert _verify(proof, now=later, max_age=timedelta(seconds=10)).iat == T
    assert _dpop_refusal(proof, now=later, max_age=timedelta(seconds=9)) == "iat"


@pytest.mark.parametrize("early", [timedelta(seconds=1), timedelta(seconds=5)])
def test_a_proof_up_to_five_seconds_in_the_future_is_accepted(early: timedelta) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _verify(proof, now=NOW - early).iat == T


@pytest.mark.parametrize(
    "early", [timedelta(seconds=5, milliseconds=1), timedelta(seconds=6), timedelta(days=1)]
)
def test_a_proof_more_than_five_seconds_in_the_future_is_refused(early: timedelta) -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    assert _dpop_refusal(proof, now=NOW - early) == "iat"


@pytest.mark.parametrize("iat", [True, False, None, str(T), float(T), [T], {"t": T}])
def test_a_proof_whose_iat_is_not_an_integer_is_refused(iat: Any) -> None:
    proof = _signed(KEY, _dpop_header(), _dpop_claims(iat=iat))
    assert _dpop_refusal(proof) == "iat"


def test_a_proof_with_a_boolean_iat_is_refused_even_when_it_would_be_in_time() -> None:
    # True == 1: one second after the epoch, so check it at that time.
    proof = _signed(KEY, _dpop_header(), _dpop_claims(iat=True))
    assert _dpop_refusal(proof, now=datetime.fromtimestamp(1, UTC)) == "iat"


def test_a_proof_without_iat_is_refused() -> None:
    proof = _signed(KEY, _dpop_header(), _without(_dpop_claims(), "iat"))
    assert _dpop_refusal(proof) == "iat"


@pytest.mark.parametrize("iat", [10**400, -(10**400)], ids=["10**400", "-10**400"])
def test_a_proof_whose_iat_is_too_large_for_a_float_is_refused_as_iat(iat: int) -> None:
    # Attacker input must raise ProofInvalid, not escape as an OverflowError.
    proof = _signed(KEY, _dpop_header(), _dpop_claims(iat=iat))
    assert _dpop_refusal(proof) == "iat"


@pytest.mark.parametrize("jti", ["", "a", "1234567", "x" * 129, None, 12345678, ["12345678"]])
def test_a_proof_with_a_short_long_or_non_string_jti_is_refused(jti: Any) -> None:
    proof = _signed(KEY, _dpop_header(), _dpop_claims(jti=jti))
    assert _dpop_refusal(proof) == "jti"


def test_a_proof_without_jti_is_refused() -> None:
    proof = _signed(KEY, _dpop_header(), _without(_dpop_claims(), "jti"))
    assert _dpop_refusal(proof) == "jti"


@pytest.mark.parametrize("jti", ["12345678", "j" * 128])
def test_a_jti_of_8_to_128_characters_is_accepted(jti: str) -> None:
    assert _verify(_signed(KEY, _dpop_header(), _dpop_claims(jti=jti))).jti == jti


def test_a_proof_whose_header_key_is_replaced_is_refused() -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    header, _claims, _sig = _parts(proof)
    _h, payload, signature = proof.split(".")
    swapped = {**header, "jwk": public_jwk(OTHER_KEY)}
    assert _dpop_refusal(f"{_b64json(swapped)}.{payload}.{signature}") == "signature"


def test_a_proof_whose_claims_are_changed_after_signing_is_refused() -> None:
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    head, _payload, signature = proof.split(".")
    _header, claims, _sig = _parts(proof)
    changed = _b64json({**claims, "iat": T + 30})
    assert _dpop_refusal(f"{head}.{changed}.{signature}") == "signature"


def test_a_proof_signed_by_another_key_than_its_header_names_is_refused() -> None:
    proof = _signed(OTHER_KEY, _dpop_header(KEY), _dpop_claims())
    assert _dpop_refusal(proof) == "signature"


def test_a_proof_with_a_broken_signature_is_refused() -> None:
    head, payload, _sig = make_dpop(KEY, method="POST", url=URL, now=NOW).split(".")
    assert _dpop_refusal(f"{head}.{payload}.{_b64(b'x' * 64)}") == "signature"
    assert _dpop_refusal(f"{head}.{payload}.") == "signature"


def test_a_proof_whose_payload_is_not_an_object_is_refused() -> None:
    assert _dpop_refusal(_signed(KEY, _dpop_header(), ["jti", "htm"])) == "malformed"


def test_a_proof_with_a_private_key_in_its_header_is_refused() -> None:
    private = KEY.export(as_dict=True)
    assert "d" in private
    proof = _signed(KEY, _dpop_header(jwk=private), _dpop_claims())
    assert _dpop_refusal(proof) == "key_private"


NOT_P256 = {
    "P-384": jwk.JWK.generate(kty="EC", crv="P-384").export_public(as_dict=True),
    "P-521": jwk.JWK.generate(kty="EC", crv="P-521").export_public(as_dict=True),
    "secp256k1": jwk.JWK.generate(kty="EC", crv="secp256k1").export_public(as_dict=True),
    "Ed25519": jwk.JWK.generate(kty="OKP", crv="Ed25519").export_public(as_dict=True),
    "RSA": jwk.JWK.generate(kty="RSA", size=2048).export_public(as_dict=True),
    "oct": {"kty": "oct", "k": _b64(b"k" * 32)},
    "P-256 with another kty": {**public_jwk(KEY), "kty": "OKP"},
}


@pytest.mark.parametrize("named", NOT_P256.values(), ids=NOT_P256.keys())
def test_a_proof_with_a_key_other_than_p256_is_refused(named: dict[str, Any]) -> None:
    proof = _unsigned(_dpop_header(jwk=named), _dpop_claims())
    assert _dpop_refusal(proof) == "key_not_p256"


@pytest.mark.parametrize(
    "named", [None, "x", [], {}, {"kty": "EC"}, {"crv": "P-256"}, {"kty": "ec", "crv": "P-256"}]
)
def test_a_proof_without_a_p256_key_in_its_header_is_refused(named: Any) -> None:
    header = _dpop_header(jwk=named) if named is not None else _without(_dpop_header(), "jwk")
    assert _dpop_refusal(_unsigned(header, _dpop_claims())) == "key_not_p256"


@pytest.mark.parametrize("missing", ["x", "y"])
def test_a_proof_whose_header_key_lacks_a_coordinate_is_refused(missing: str) -> None:
    header = _dpop_header(jwk=_without(public_jwk(KEY), missing))
    assert _dpop_refusal(_unsigned(header, _dpop_claims())) == "key_malformed"


@pytest.mark.parametrize(
    "encode",
    [
        lambda x: b"\x00" + x,  # a leading zero byte: 33 octets
        lambda x: x[1:],  # the leading zero byte dropped: 31 octets
    ],
    ids=["33-octets", "31-octets"],
)
def test_a_key_has_one_thumbprint_so_a_non_canonical_coordinate_is_refused(encode: Any) -> None:
    # RFC 7518 §6.2.1.2: x and y are exactly the coordinate size (32 octets for P-256). The
    # same point with its x written in another length would be a second thumbprint for the
    # same key; segl names app instances by thumbprint (one key, one instance).
    key = next(
        k
        for k in (_key_from_scalar(s) for s in range(2, 10_000))
        if _unb64(public_jwk(k)["x"])[0] == 0
    )
    x = _unb64(public_jwk(key)["x"])
    public = {**public_jwk(key), "x": _b64(encode(x))}
    proof = _signed(key, _dpop_header(jwk=public), _dpop_claims())
    try:
        checked = _verify(proof)
    except ProofInvalid as exc:
        assert exc.reason == "key_malformed"
    else:
        pytest.fail(f"one key, two thumbprints: {checked.thumbprint} and {key.thumbprint()}")


def test_the_thumbprint_ignores_extra_members_of_the_header_key() -> None:
    named = {**public_jwk(KEY), "kid": "app-1", "use": "sig"}
    checked = _verify(_signed(KEY, _dpop_header(jwk=named), _dpop_claims()))
    assert checked.thumbprint == KEY.thumbprint()
    assert checked.jwk == public_jwk(KEY)


def test_a_proof_with_alg_none_is_refused() -> None:
    proof = _unsigned(_dpop_header(alg="none"), _dpop_claims(), signature=b"")
    assert _dpop_refusal(proof) == "wrong_algorithm"
    proof = _unsigned(_dpop_header(alg="None"), _dpop_claims(), signature=b"")
    assert _dpop_refusal(proof) == "wrong_algorithm"


def test_a_proof_signed_with_hmac_is_refused() -> None:
    # The classic confusion: an HMAC "signed" with the public key's bytes.
    secret = jwk.JWK(kty="oct", k=_b64(json.dumps(public_jwk(KEY)).encode()))
    proof = _signed(secret, _dpop_header(alg="HS256"), _dpop_claims())
    assert _dpop_refusal(proof) == "wrong_algorithm"


def test_a_proof_signed_with_another_ecdsa_algorithm_is_refused() -> None:
    key = jwk.JWK.generate(kty="EC", crv="P-384")
    proof = _signed(key, _dpop_header(key, alg="ES384"), _dpop_claims())
    assert _dpop_refusal(proof) == "wrong_algorithm"


@pytest.mark.parametrize("alg", ["RS256", "PS256", "EdDSA", "es256", "ES256 ", None])
def test_a_proof_with_any_other_alg_is_refused(alg: Any) -> None:
    header = _dpop_header(alg=alg) if alg is not None else _without(_dpop_header(), "alg")
    assert _dpop_refusal(_unsigned(header, _dpop_claims())) == "wrong_algorithm"


@pytest.mark.parametrize("typ", ["JWT", "jwt", "dpop", "at+jwt", "segl-approval+jwt", "", None])
def test_a_proof_of_another_type_is_refused(typ: Any) -> None:
    header = _dpop_header(typ=typ) if typ is not None else _without(_dpop_header(), "typ")
    proof = _signed(KEY, header, _dpop_claims())
    assert _dpop_refusal(proof) == "wrong_type"


def test_an_approval_does_not_pass_as_a_dpop_proof() -> None:
    approval = sign_approval(KEY, APPROVAL, now=NOW)
    assert _dpop_refusal(approval) == "wrong_type"


@pytest.mark.parametrize(
    "proof",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c",
        "...",
        "a.b.c.d",
        "a.b.c.d.e",
        "!!!.e30.AAAA",
        f"{_b64(b'not json')}.e30.AAAA",
        f"{_b64(bytes([0xFF, 0xFE, 0x00]))}.e30.AAAA",
        f"{_b64json({'typ': 'dpop+jwt'})}.{_b64json({})}",
    ],
)
def test_garbage_is_a_malformed_proof(proof: str) -> None:
    assert _dpop_refusal(proof) == "malformed"


@pytest.mark.parametrize(
    "proof", [None, 0, 1.5, b"a.b.c", ["a", "b", "c"], {"proof": "a.b.c"}, object()]
)
def test_a_proof_that_is_not_a_string_is_malformed(proof: Any) -> None:
    assert _dpop_refusal(proof) == "malformed"


def test_a_proof_with_a_json_header_that_is_not_an_object_is_refused() -> None:
    headers: tuple[Any, ...] = ([], "dpop+jwt", 1, None)
    for header in headers:
        assert _dpop_refusal(_unsigned(header, _dpop_claims())) == "wrong_type"


def _proofs_around_the_length_limit() -> tuple[tuple[str, str], tuple[str, str]]:
    """The longest proof made of at most 4096 characters and the shortest longer one."""
    below: tuple[str, str] | None = None
    for n in range(2500, 3000):
        url = "https://segl.example/" + "a" * n
        proof = make_dpop(KEY, method="POST", url=url, now=NOW)
        if len(proof) <= 4096:
            below = (proof, url)
        else:
            assert below is not None
            return below, (proof, url)
    raise AssertionError("no proof crossed 4096 characters")


def test_a_proof_of_at_most_4096_characters_is_read_and_a_longer_one_is_not() -> None:
    (short, short_url), (long, long_url) = _proofs_around_the_length_limit()
    assert len(short) <= 4096 < len(long)
    assert _verify(short, url=short_url).thumbprint == KEY.thumbprint()
    assert _dpop_refusal(long, url=long_url) == "malformed"


def test_a_proof_of_many_kilobytes_is_malformed() -> None:
    url = "https://segl.example/" + "a" * 50_000
    assert _dpop_refusal(make_dpop(KEY, method="POST", url=url, now=NOW), url=url) == "malformed"


def test_a_deeply_nested_header_is_a_malformed_proof() -> None:
    # Attacker input (read before any signature check) must raise ProofInvalid, not escape as
    # a RecursionError from the JSON parser.
    proof = f"{_b64(b'[' * 2000)}.e30.AAAA"
    assert len(proof) <= 4096
    assert _dpop_refusal(proof) == "malformed"
    with pytest.raises(ProofInvalid):
        verify_approval(proof, public_jwk(KEY))


def test_a_deeply_nested_payload_is_refused() -> None:
    # The key of a DPoP proof is the sender's own, so anyone can sign any payload.
    token = jws.JWS(b"[" * 2000)
    token.add_signature(KEY, alg="ES256", protected=json.dumps(_dpop_header()))
    proof = token.serialize(compact=True)
    assert len(proof) <= 4096
    assert _dpop_refusal(proof) in ("malformed", "signature")


@settings(max_examples=300)
@given(st.text() | st.from_regex(r"[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,90}"))
def test_any_text_is_refused_as_a_proof_with_proof_invalid(text: str) -> None:
    with pytest.raises(ProofInvalid):
        _verify(text)
    with pytest.raises(ProofInvalid):
        verify_approval(text, public_jwk(KEY))


def test_dpop_refuses_a_naive_time() -> None:
    naive = NOW.replace(tzinfo=None)
    with pytest.raises(ValueError, match="naive"):
        make_dpop(KEY, method="POST", url=URL, now=naive)
    proof = make_dpop(KEY, method="POST", url=URL, now=NOW)
    with pytest.raises(ValueError, match="naive"):
        _verify(proof, now=naive)
