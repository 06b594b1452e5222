"""The app's protocol (segl.core.binding, .jose, .dpop, .approval): the QR code and one-time code
that bind the app to the browser, key thumbprints (RFC 7638), DPoP proofs (RFC 9449) and signed
approvals."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import assume, given, settings
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
from segl.core.binding import (
    QrScan,
    check_binding_code,
    check_qr,
    new_binding_code,
    parse_qr,
    qr_payload,
)
from segl.core.dpop import make_dpop, verify_dpop
from segl.core.errors import AppProtocolError, ApprovalTextRefused, BindingInvalid, ProofInvalid
from segl.core.jose import public_jwk, thumbprint

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


# -- helpers --------------------------------------------------------------------------------------


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


# -- the errors -----------------------------------------------------------------------------------


def test_protocol_errors_carry_their_reason_and_wire_code() -> None:
    assert issubclass(ProofInvalid, AppProtocolError)
    assert issubclass(BindingInvalid, AppProtocolError)
    assert ProofInvalid("htm").reason == "htm"
    assert BindingInvalid("qr_stale").code == "binding_invalid"
    assert ProofInvalid("htm").code == "proof_invalid"


# -- the QR code ----------------------------------------------------------------------------------


def test_qr_payload_has_the_documented_shape() -> None:
    payload = qr_payload(FLOW, T, SECRET)
    prefix, flow, t, mac = payload.split(".")
    assert (prefix, flow, t) == ("segl", FLOW, str(T))
    assert _unb64(mac) == hmac.new(SECRET, str(T).encode(), hashlib.sha256).digest()


def test_parse_qr_reads_flow_time_and_mac() -> None:
    payload = qr_payload(FLOW, T, SECRET)
    scan = parse_qr(payload)
    assert scan == QrScan(flow_id=FLOW, t=T, mac=payload.rsplit(".", 1)[1])


def test_a_fresh_qr_code_is_accepted() -> None:
    check_qr(
        parse_qr(qr_payload(FLOW, T, SECRET)),
        flow_id=FLOW,
        secret=SECRET,
        now=NOW,
        max_age=MAX_AGE,
    )


def test_a_qr_code_exactly_max_age_old_is_accepted() -> None:
    scan = parse_qr(qr_payload(FLOW, T, SECRET))
    check_qr(scan, flow_id=FLOW, secret=SECRET, now=NOW + MAX_AGE, max_age=MAX_AGE)


@pytest.mark.parametrize(
    "late", [timedelta(milliseconds=1), timedelta(seconds=1), timedelta(hours=1)]
)
def test_a_qr_code_older_than_max_age_is_stale(late: timedelta) -> None:
    payload = qr_payload(FLOW, T, SECRET)
    assert _binding_refusal(payload, now=NOW + MAX_AGE + late) == "qr_stale"


def test_a_qr_code_up_to_one_second_in_the_future_is_accepted() -> None:
    scan = parse_qr(qr_payload(FLOW, T, SECRET))
    check_qr(scan, flow_id=FLOW, secret=SECRET, now=NOW - timedelta(seconds=1), max_age=MAX_AGE)


@pytest.mark.parametrize("early", [timedelta(milliseconds=1001), timedelta(seconds=2)])
def test_a_qr_code_more_than_one_second_in_the_future_is_stale(early: timedelta) -> None:
    assert _binding_refusal(qr_payload(FLOW, T, SECRET), now=NOW - early) == "qr_stale"


def test_the_qr_max_age_is_the_callers() -> None:
    scan = parse_qr(qr_payload(FLOW, T, SECRET))
    later = NOW + timedelta(seconds=10)
    check_qr(scan, flow_id=FLOW, secret=SECRET, now=later, max_age=timedelta(seconds=10))
    with pytest.raises(BindingInvalid, match="qr_stale"):
        check_qr(scan, flow_id=FLOW, secret=SECRET, now=later, max_age=timedelta(seconds=9))


def test_a_qr_code_of_another_flow_is_refused() -> None:
    payload = qr_payload("other-flow", T, OTHER_SECRET)
    assert _binding_refusal(payload) == "qr_other_flow"


def test_a_qr_code_of_another_flow_is_refused_even_with_the_same_secret() -> None:
    # The MAC covers only the time; the flow id is checked on its own.
    payload = qr_payload("other-flow", T, SECRET)
    assert _binding_refusal(payload) == "qr_other_flow"


def test_a_qr_code_made_with_another_secret_is_forged() -> None:
    assert _binding_refusal(qr_payload(FLOW, T, OTHER_SECRET)) == "qr_forged"


def test_a_qr_code_with_a_tampered_mac_is_forged() -> None:
    payload = qr_payload(FLOW, T, SECRET)
    last = payload[-1]
    tampered = payload[:-1] + ("A" if last != "A" else "B")
    assert _binding_refusal(tampered) == "qr_forged"
    flipped_first = payload.rsplit(".", 1)
    first = flipped_first[1][0]
    tampered = f"{flipped_first[0]}.{'B' if first != 'B' else 'C'}{flipped_first[1][1:]}"
    assert _binding_refusal(tampered) == "qr_forged"


def test_the_qr_mac_covers_the_time() -> None:
    # An old code's MAC moved to a fresh time does not pass.
    old = qr_payload(FLOW, T - 60, SECRET)
    moved = f"segl.{FLOW}.{T}.{old.rsplit('.', 1)[1]}"
    assert _binding_refusal(moved) == "qr_forged"


def test_a_stale_qr_code_is_refused_only_after_its_mac_is_checked() -> None:
    # A forged old code says "forged", not "stale": the MAC is checked before the age.
    payload = qr_payload(FLOW, T - 3600, OTHER_SECRET)
    assert _binding_refusal(payload) == "qr_forged"


def test_a_scanned_qr_code_may_carry_surrounding_whitespace() -> None:
    payload = qr_payload(FLOW, T, SECRET)
    assert parse_qr(f"  {payload}\n") == parse_qr(payload)


GOOD_QR = qr_payload(FLOW, T, SECRET)
GOOD_MAC = GOOD_QR.rsplit(".", 1)[1]


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "segl",
        "segl.",
        f"SEGL.{FLOW}.{T}.{GOOD_MAC}",
        f"sgl.{FLOW}.{T}.{GOOD_MAC}",
        f"xsegl.{FLOW}.{T}.{GOOD_MAC}",
        f"{FLOW}.{T}.{GOOD_MAC}",
        f"segl.{FLOW}.{T}",
        f"segl.{FLOW}.{GOOD_MAC}",
        f"segl.{T}.{GOOD_MAC}",
        f"segl..{T}.{GOOD_MAC}",
        f"segl.{FLOW}..{GOOD_MAC}",
        f"segl.{FLOW}.{T}.",
        f"{GOOD_QR}.",
        f"{GOOD_QR}.extra",
        f"segl.{FLOW}.x.{T}.{GOOD_MAC}",
        f"segl.{FLOW}.{T}.{GOOD_MAC[:20]}.{GOOD_MAC[20:]}",
        f"segl.{'a' * 65}.{T}.{GOOD_MAC}",
        f"segl.fløw.{T}.{GOOD_MAC}",
        f"segl.fl ow.{T}.{GOOD_MAC}",
        f"segl.{FLOW}.-{T}.{GOOD_MAC}",
        f"segl.{FLOW}.{'1' * 13}.{GOOD_MAC}",
        f"segl.{FLOW}.{T}.{GOOD_MAC[:-1]}",
        f"segl.{FLOW}.{T}.{GOOD_MAC}A",
        f"segl.{FLOW}.{T}.{GOOD_MAC}=",
        f"segl.{FLOW}.{T}.{GOOD_MAC[:-1]}+",
        f"segl.{FLOW}.{T}.{GOOD_MAC[:-1]}/",
        f"segl.{FLOW}.{T} .{GOOD_MAC}",
    ],
)
def test_a_malformed_qr_string_is_refused(payload: str) -> None:
    assert _qr_malformed(payload) == "qr_malformed"


@pytest.mark.parametrize("payload", [None, 0, 1.5, GOOD_QR.encode(), [GOOD_QR], {"qr": GOOD_QR}])
def test_a_qr_code_that_is_not_a_string_is_malformed(payload: Any) -> None:
    assert _qr_malformed(payload) == "qr_malformed"


def test_a_flow_id_of_64_characters_is_the_longest_read() -> None:
    flow = "a" * 64
    assert parse_qr(qr_payload(flow, T, SECRET)).flow_id == flow


@settings(max_examples=200)
@given(
    flow=st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    t=st.integers(min_value=0, max_value=253402300799),  # the last second of year 9999
    secret=st.binary(min_size=32, max_size=32),
    other=st.binary(min_size=32, max_size=32),
)
def test_any_qr_code_round_trips_and_only_with_its_secret(
    flow: str, t: int, secret: bytes, other: bytes
) -> None:
    assume(other != secret)
    now = datetime.fromtimestamp(t, UTC)
    scan = parse_qr(qr_payload(flow, t, secret))
    assert (scan.flow_id, scan.t) == (flow, t)
    check_qr(scan, flow_id=flow, secret=secret, now=now, max_age=MAX_AGE)
    with pytest.raises(BindingInvalid) as caught:
        check_qr(scan, flow_id=flow, secret=other, now=now, max_age=MAX_AGE)
    assert caught.value.reason == "qr_forged"


@given(st.text())
def test_any_text_is_a_qr_code_or_malformed(payload: str) -> None:
    try:
        parse_qr(payload)
    except BindingInvalid as exc:
        assert exc.reason == "qr_malformed"


def test_check_qr_refuses_a_naive_time() -> None:
    scan = parse_qr(GOOD_QR)
    with pytest.raises(ValueError, match="naive"):
        check_qr(scan, flow_id=FLOW, secret=SECRET, now=NOW.replace(tzinfo=None), max_age=MAX_AGE)


# -- the one-time binding code --------------------------------------------------------------------


@pytest.mark.parametrize("length", range(4, 11))
def test_a_binding_code_has_the_asked_number_of_digits(length: int) -> None:
    for _ in range(20):
        code = new_binding_code(length)
        assert len(code) == length
        assert set(code) <= set("0123456789")


@pytest.mark.parametrize("length", [-1, 0, 3, 11, 100])
def test_a_binding_code_has_four_to_ten_digits(length: int) -> None:
    with pytest.raises(ValueError):
        new_binding_code(length)


def test_binding_codes_are_random() -> None:
    codes = {new_binding_code(10) for _ in range(50)}
    assert len(codes) > 45
    first_digits = {new_binding_code(4)[0] for _ in range(500)}
    assert first_digits == set("0123456789")  # leading zeros too


def test_the_right_binding_code_is_accepted() -> None:
    code = new_binding_code(6)
    check_binding_code(code, code)


@pytest.mark.parametrize("given_code", ["12 34", " 1234 ", "1 2 3 4", "12\t34\n", "12\u00a034"])
def test_a_binding_code_is_accepted_with_spaces_inside(given_code: str) -> None:
    check_binding_code(given_code, "1234")


@pytest.mark.parametrize(
    "given_code", ["1235", "4321", "123", "12345", "", " ", "12-34", "\uff11\uff12\uff13\uff14"]
)
def test_a_wrong_binding_code_is_refused(given_code: str) -> None:
    with pytest.raises(BindingInvalid) as caught:
        check_binding_code(given_code, "1234")
    assert caught.value.reason == "code_wrong"


@pytest.mark.parametrize("given_code", [None, 1234, b"1234", ["1234"], 12.34])
def test_a_binding_code_that_is_not_a_string_is_refused(given_code: Any) -> None:
    with pytest.raises(BindingInvalid) as caught:
        check_binding_code(given_code, "1234")
    assert caught.value.reason == "code_wrong"


@given(length=st.integers(min_value=4, max_value=10), data=st.data())
def test_any_code_accepts_itself_and_no_other(length: int, data: st.DataObject) -> None:
    code = new_binding_code(length)
    check_binding_code(code, code)
    other = data.draw(st.text(alphabet="0123456789 ", max_size=12))
    assume("".join(other.split()) != code)
    with pytest.raises(BindingInvalid, match="code_wrong"):
        check_binding_code(other, code)


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
