"""Channel binding (segl.core.binding): the animated QR code and the one-time code."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from segl.core.binding import (
    QrScan,
    check_binding_code,
    check_qr,
    new_binding_code,
    parse_qr,
    qr_payload,
)
from segl.core.errors import AppProtocolError, BindingInvalid, ProofInvalid
from tests.core.app_protocol import (
    FLOW,
    MAX_AGE,
    NOW,
    OTHER_SECRET,
    SECRET,
    T,
    _binding_refusal,
    _qr_malformed,
    _unb64,
)

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
