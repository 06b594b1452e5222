"""HOTP (RFC 4226) and TOTP (RFC 6238): the RFC vectors, then the verifier's rules."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from segl.core.errors import InvalidCode, ReplayedCode, ResyncFailed
from segl.core.otp import (
    HotpState,
    TotpParams,
    TotpState,
    hotp_code,
    normalise_code,
    resync_hotp,
    totp_code,
    totp_step,
    verify_hotp,
    verify_totp,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def _rows(name: str) -> list[dict[str, str]]:
    with (VECTORS / name).open(encoding="ascii", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


HOTP_ROWS = _rows("rfc4226_hotp.csv")
TOTP_ROWS = _rows("rfc6238_totp.csv")


def _id(row: dict[str, str]) -> str:
    return "-".join(row[k] for k in ("time", "mode") if k in row) or f"counter{row['counter']}"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def _at(unix_time: int) -> datetime:
    return datetime.fromtimestamp(unix_time, UTC)


# --- the RFC vectors ---------------------------------------------------------------------------


def test_vector_files_are_complete() -> None:
    assert [int(r["counter"]) for r in HOTP_ROWS] == list(range(10))
    assert len(TOTP_ROWS) == 18
    assert {r["mode"] for r in TOTP_ROWS} == {"SHA1", "SHA256", "SHA512"}


@pytest.mark.parametrize("row", HOTP_ROWS, ids=_id)
def test_rfc4226_appendix_d(row: dict[str, str]) -> None:
    secret = row["secret"].encode("ascii")
    assert hotp_code(secret, int(row["counter"])) == row["hotp"]


@pytest.mark.parametrize("row", HOTP_ROWS, ids=_id)
@pytest.mark.parametrize("digits", [6, 7, 8])
def test_rfc4226_truncated_value_gives_every_length(row: dict[str, str], digits: int) -> None:
    # HOTP = Snum mod 10^Digit (RFC 4226 §5.3), Snum being Table 2's "Decimal" column.
    expected = f"{int(row['truncated_decimal']) % 10**digits:0{digits}d}"
    code = hotp_code(row["secret"].encode("ascii"), int(row["counter"]), digits=digits)
    assert code == expected


@pytest.mark.parametrize("row", HOTP_ROWS, ids=_id)
def test_rfc4226_codes_verify_at_their_counter(row: dict[str, str]) -> None:
    counter = int(row["counter"])
    state = verify_hotp(
        row["secret"].encode("ascii"), row["hotp"], state=HotpState(counter), look_ahead=0
    )
    assert state == HotpState(counter + 1)


@pytest.mark.parametrize("row", TOTP_ROWS, ids=_id)
def test_rfc6238_appendix_b(row: dict[str, str]) -> None:
    now = _at(int(row["time"]))
    assert now.strftime("%Y-%m-%d %H:%M:%S") == row["utc"]
    assert totp_step(now) == int(row["t_hex"], 16)
    params = TotpParams(algorithm=row["mode"], digits=8)  # type: ignore[arg-type]
    assert totp_code(row["seed"].encode("ascii"), now, params) == row["totp"]


@pytest.mark.parametrize("row", TOTP_ROWS, ids=_id)
@pytest.mark.parametrize("digits", [6, 7])
def test_rfc6238_shorter_codes_are_the_last_digits(row: dict[str, str], digits: int) -> None:
    params = TotpParams(algorithm=row["mode"], digits=digits)  # type: ignore[arg-type]
    code = totp_code(row["seed"].encode("ascii"), _at(int(row["time"])), params)
    assert code == row["totp"][-digits:]


@pytest.mark.parametrize("row", TOTP_ROWS, ids=_id)
def test_rfc6238_codes_verify_at_their_time(row: dict[str, str]) -> None:
    params = TotpParams(algorithm=row["mode"], digits=8)  # type: ignore[arg-type]
    state = verify_totp(
        row["seed"].encode("ascii"),
        row["totp"],
        now=_at(int(row["time"])),
        state=TotpState(),
        params=params,
        window=0,
    )
    assert state == TotpState(last_step=int(row["t_hex"], 16), drift=0)


def test_leading_zeros_are_kept() -> None:
    assert totp_code(b"12345678901234567890", _at(1111111109), TotpParams(digits=8)) == "07081804"


# --- parameters are checked --------------------------------------------------------------------

SECRET = b"12345678901234567890"


@pytest.mark.parametrize("digits", [5, 9, 0, -6])
def test_hotp_digits_must_be_6_to_8(digits: int) -> None:
    with pytest.raises(ValueError, match="digits"):
        hotp_code(SECRET, 0, digits=digits)


def test_hotp_refuses_a_short_secret() -> None:
    # RFC 4226 R6: at least 128 bits.
    hotp_code(b"x" * 16, 0)
    with pytest.raises(ValueError, match="128 bits"):
        hotp_code(b"x" * 15, 0)


def test_hotp_secret_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        hotp_code("12345678901234567890", 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("counter", [-1, 2**64])
def test_hotp_counter_is_eight_bytes(counter: int) -> None:
    with pytest.raises(ValueError, match="counter"):
        hotp_code(SECRET, counter)
    assert len(hotp_code(SECRET, 2**64 - 1)) == 6


def test_hotp_unknown_algorithm() -> None:
    with pytest.raises(ValueError, match="algorithm"):
        hotp_code(SECRET, 0, algorithm="MD5")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"digits": 5},
        {"digits": 9},
        {"digits": True},
        {"period": 0},
        {"period": -30},
        {"algorithm": "SHA3"},
        {"t0": "0"},
    ],
)
def test_totp_params_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TotpParams(**kwargs)  # type: ignore[arg-type]


def test_totp_step_floors_and_honours_t0_and_period() -> None:
    assert totp_step(_at(0)) == 0
    assert totp_step(_at(29) + timedelta(microseconds=999_999)) == 0
    assert totp_step(_at(30)) == 1
    assert totp_step(_at(-1)) == -1  # floor, not truncation towards zero
    assert totp_step(_at(100), t0=40) == 2
    assert totp_step(_at(100), period=60) == 1


def test_totp_step_needs_aware_time_and_converts_it() -> None:
    with pytest.raises(ValueError, match="naive"):
        totp_step(datetime(2024, 1, 1, 12, 0, 0))
    copenhagen_summer = timezone(timedelta(hours=2))
    local = datetime(2024, 6, 1, 14, 0, 0, tzinfo=copenhagen_summer)
    assert totp_step(local) == totp_step(datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC))


def test_totp_window_must_not_be_negative() -> None:
    now = _at(1_700_000_000)
    with pytest.raises(ValueError, match="window"):
        verify_totp(SECRET, totp_code(SECRET, now), now=now, state=TotpState(), window=-1)


def test_hotp_look_ahead_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="look_ahead"):
        verify_hotp(SECRET, hotp_code(SECRET, 0), state=HotpState(), look_ahead=-1)


def test_states_are_validated() -> None:
    with pytest.raises(ValueError):
        HotpState(counter=-1)
    with pytest.raises(ValueError):
        TotpState(drift=1.5)  # type: ignore[arg-type]


# --- normalise_code ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "digits", "expected"),
    [
        ("123456", 6, "123456"),
        ("123 456", 6, "123456"),
        ("123-456", 6, "123456"),
        (" 12 34 56 ", 6, "123456"),
        ("1234-5678", 8, "12345678"),
        ("123\u00a0456", 6, "123456"),
        ("012345", 6, "012345"),
    ],
)
def test_normalise_code_strips_separators(raw: str, digits: int, expected: str) -> None:
    assert normalise_code(raw, digits) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1234567",
        "12345a",
        "12.456",
        "+12345",
        "١٢٣٤٥٦",  # Arabic-Indic digits
        _full_width("123456"),
        "12345²",
        " " * 60 + "123456",
    ],
)
def test_normalise_code_refuses(raw: str) -> None:
    with pytest.raises(InvalidCode):
        normalise_code(raw, 6)


@given(
    digits=st.integers(min_value=6, max_value=8),
    body=st.text(alphabet="0123456789", min_size=6, max_size=8),
    bad=st.characters(exclude_categories=("Zs", "Pd", "Cc"), exclude_characters="0123456789\u2212"),
    at=st.integers(min_value=0, max_value=8),
)
def test_normalise_code_refuses_any_other_character(
    digits: int, body: str, bad: str, at: int
) -> None:
    raw = body[:at] + bad + body[at:]
    with pytest.raises(InvalidCode):
        normalise_code(raw, digits)


@given(
    digits=st.integers(min_value=6, max_value=8),
    length=st.integers(min_value=0, max_value=20),
    data=st.data(),
)
def test_normalise_code_refuses_wrong_lengths(
    digits: int, length: int, data: st.DataObject
) -> None:
    assume(length != digits)
    raw = data.draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    with pytest.raises(InvalidCode):
        normalise_code(raw, digits)


@given(code=st.text(alphabet="0123456789", min_size=6, max_size=6), sep=st.sampled_from(" -"))
def test_normalise_code_round_trips_formatted_codes(code: str, sep: str) -> None:
    assert normalise_code(f"{code[:3]}{sep}{code[3:]}", 6) == code


# --- TOTP verification -------------------------------------------------------------------------

secrets_ = st.binary(min_size=16, max_size=64)
instants = st.integers(min_value=1_000_000, max_value=4_000_000_000).map(_at)
totp_params = st.builds(
    TotpParams,
    algorithm=st.sampled_from(["SHA1", "SHA256", "SHA512"]),
    digits=st.integers(min_value=6, max_value=8),
    period=st.sampled_from([30, 60]),
)


def _codes(secret: bytes, steps: Iterable[int], params: TotpParams) -> set[str]:
    return {hotp_code(secret, s, digits=params.digits, algorithm=params.algorithm) for s in steps}


@given(secret=secrets_, now=instants, params=totp_params)
def test_totp_code_verifies_once_then_replays(
    secret: bytes, now: datetime, params: TotpParams
) -> None:
    code = totp_code(secret, now, params)
    step = totp_step(now, period=params.period)
    # A code that is also the code of a neighbouring step would be fresh there.
    assume(code not in _codes(secret, range(step - 2, step), params))
    assume(code not in _codes(secret, range(step + 1, step + 3), params))

    state = verify_totp(secret, code, now=now, state=TotpState(), params=params)
    assert state == TotpState(last_step=step, drift=0)

    with pytest.raises(ReplayedCode):
        verify_totp(secret, code, now=now, state=state, params=params)
    # Still inside the window a step later, and still refused.
    later = now + timedelta(seconds=params.period)
    with pytest.raises(ReplayedCode):
        verify_totp(secret, code, now=later, state=state, params=params)


@given(secret=secrets_, now=instants, params=totp_params)
def test_totp_earlier_code_after_a_later_one_is_a_replay(
    secret: bytes, now: datetime, params: TotpParams
) -> None:
    step = totp_step(now, period=params.period)
    newer = hotp_code(secret, step + 1, digits=params.digits, algorithm=params.algorithm)
    older = totp_code(secret, now, params)
    assume(newer not in _codes(secret, range(step - 1, step + 1), params))
    assume(older not in _codes(secret, range(step + 1, step + 3), params))

    state = verify_totp(secret, newer, now=now, state=TotpState(), params=params)
    assert state.last_step == step + 1
    with pytest.raises(ReplayedCode):
        verify_totp(secret, older, now=now, state=state, params=params)


@given(
    secret=secrets_,
    now=instants,
    params=totp_params,
    window=st.integers(min_value=0, max_value=3),
    offset=st.integers(min_value=-3, max_value=3),
)
def test_totp_accepts_every_step_in_the_window(
    secret: bytes, now: datetime, params: TotpParams, window: int, offset: int
) -> None:
    assume(abs(offset) <= window)
    step = totp_step(now, period=params.period)
    code = hotp_code(secret, step + offset, digits=params.digits, algorithm=params.algorithm)
    assume(code not in _codes(secret, range(step - window, step + offset), params))

    state = verify_totp(secret, code, now=now, state=TotpState(), params=params, window=window)
    assert state == TotpState(last_step=step + offset, drift=offset)


@given(
    secret=secrets_,
    now=instants,
    params=totp_params,
    window=st.integers(min_value=0, max_value=3),
    distance=st.integers(min_value=1, max_value=50),
    ahead=st.booleans(),
)
def test_totp_refuses_codes_outside_the_window(
    secret: bytes,
    now: datetime,
    params: TotpParams,
    window: int,
    distance: int,
    ahead: bool,
) -> None:
    step = totp_step(now, period=params.period)
    offset = (window + distance) * (1 if ahead else -1)
    code = hotp_code(secret, step + offset, digits=params.digits, algorithm=params.algorithm)
    assume(code not in _codes(secret, range(step - window, step + window + 1), params))

    with pytest.raises(InvalidCode):
        verify_totp(secret, code, now=now, state=TotpState(), params=params, window=window)


@settings(max_examples=50)
@given(
    secret=secrets_,
    now=instants,
    params=totp_params,
    later_steps=st.integers(min_value=1, max_value=1000),
    skew=st.sampled_from([-2, 2]),
)
def test_totp_learns_the_drift_of_a_token(
    secret: bytes, now: datetime, params: TotpParams, later_steps: int, skew: int
) -> None:
    """A token whose clock runs ``skew`` steps off is accepted once with a wide window, and from
    then on with the narrow one."""
    period = timedelta(seconds=params.period)
    first = totp_code(secret, now + skew * period, params)
    step = totp_step(now, period=params.period)
    others = [s for s in range(step - 2, step + 3) if s != step + skew]
    assume(first not in _codes(secret, others, params))

    with pytest.raises(InvalidCode):
        verify_totp(secret, first, now=now, state=TotpState(), params=params, window=1)
    state = verify_totp(secret, first, now=now, state=TotpState(), params=params, window=2)
    assert state == TotpState(last_step=step + skew, drift=skew)

    later = now + later_steps * period
    second = totp_code(secret, later + skew * period, params)
    later_step = step + later_steps
    assume(second not in _codes(secret, range(later_step - 1, later_step + 2), params))
    assume(second not in _codes(secret, [later_step + skew - 1], params))
    # Without the learnt drift the narrow window would miss it ...
    with pytest.raises(InvalidCode):
        verify_totp(
            secret, second, now=later, state=TotpState(last_step=state.last_step), params=params
        )
    # ... with it, the code is found.
    new_state = verify_totp(secret, second, now=later, state=state, params=params, window=1)
    assert new_state == TotpState(last_step=later_step + skew, drift=skew)


def test_totp_drift_follows_a_token_that_keeps_drifting() -> None:
    now = _at(1_700_000_000)
    period = timedelta(seconds=30)
    state = TotpState()
    for ahead in range(1, 6):
        now += 10 * period
        code = totp_code(SECRET, now + ahead * period)
        state = verify_totp(SECRET, code, now=now, state=state, window=1)
        assert state.drift == ahead


def test_totp_wrong_and_malformed_codes_are_invalid() -> None:
    now = _at(1_700_000_000)
    step = totp_step(now)
    window = _codes(SECRET, range(step - 1, step + 2), TotpParams())
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in window)
    for bad in (wrong, "abcdef", "12345", ""):
        with pytest.raises(InvalidCode):
            verify_totp(SECRET, bad, now=now, state=TotpState())
    # A formatted code is fine.
    code = totp_code(SECRET, now)
    verify_totp(SECRET, f"{code[:3]} {code[3:]}", now=now, state=TotpState())


def test_totp_before_t0_has_no_candidates() -> None:
    params = TotpParams(t0=1_000_000)
    now = _at(0)
    with pytest.raises(InvalidCode):
        verify_totp(SECRET, "123456", now=now, state=TotpState(), params=params)


# --- HOTP verification -------------------------------------------------------------------------

counters = st.integers(min_value=0, max_value=10**9)
look_aheads = st.integers(min_value=0, max_value=20)
hotp_digits = st.integers(min_value=6, max_value=8)
algorithms = st.sampled_from(["SHA1", "SHA256", "SHA512"])


def _hcodes(secret: bytes, low: int, high: int, digits: int, algorithm: str) -> set[str]:
    return {
        hotp_code(secret, c, digits=digits, algorithm=algorithm)  # type: ignore[arg-type]
        for c in range(max(0, low), high + 1)
    }


@given(
    secret=secrets_,
    counter=counters,
    look_ahead=look_aheads,
    data=st.data(),
    digits=hotp_digits,
    algorithm=algorithms,
)
def test_hotp_look_ahead_accepts_then_replays(
    secret: bytes, counter: int, look_ahead: int, data: st.DataObject, digits: int, algorithm: str
) -> None:
    k = data.draw(st.integers(min_value=0, max_value=look_ahead))
    code = hotp_code(secret, counter + k, digits=digits, algorithm=algorithm)  # type: ignore[arg-type]
    assume(code not in _hcodes(secret, counter, counter + k - 1, digits, algorithm))
    assume(
        code
        not in _hcodes(secret, counter + k + 1, counter + k + 1 + look_ahead, digits, algorithm)
    )
    kwargs = {"digits": digits, "algorithm": algorithm, "look_ahead": look_ahead}

    state = verify_hotp(secret, code, state=HotpState(counter), **kwargs)  # type: ignore[arg-type]
    assert state == HotpState(counter + k + 1)
    # Told apart from a wrong code as far back as the look-ahead reaches (none when it is 0).
    with pytest.raises(ReplayedCode if look_ahead else InvalidCode):
        verify_hotp(secret, code, state=state, **kwargs)  # type: ignore[arg-type]


@given(
    secret=secrets_,
    counter=counters,
    look_ahead=look_aheads,
    distance=st.integers(min_value=1, max_value=50),
)
def test_hotp_refuses_codes_beyond_the_look_ahead(
    secret: bytes, counter: int, look_ahead: int, distance: int
) -> None:
    code = hotp_code(secret, counter + look_ahead + distance)
    assume(code not in _hcodes(secret, counter - look_ahead, counter + look_ahead, 6, "SHA1"))
    with pytest.raises(InvalidCode):
        verify_hotp(secret, code, state=HotpState(counter), look_ahead=look_ahead)


@given(secret=secrets_, counter=counters, look_ahead=look_aheads, data=st.data())
def test_hotp_codes_just_below_the_counter_are_replays(
    secret: bytes, counter: int, look_ahead: int, data: st.DataObject
) -> None:
    assume(counter >= 1 and look_ahead >= 1)
    below = data.draw(st.integers(min_value=1, max_value=min(look_ahead, counter)))
    code = hotp_code(secret, counter - below)
    assume(code not in _hcodes(secret, counter, counter + look_ahead, 6, "SHA1"))
    with pytest.raises(ReplayedCode):
        verify_hotp(secret, code, state=HotpState(counter), look_ahead=look_ahead)


@given(
    secret=secrets_,
    counter=st.integers(min_value=100, max_value=10**9),
    look_ahead=look_aheads,
    distance=st.integers(min_value=1, max_value=50),
)
def test_hotp_codes_far_below_the_counter_are_invalid(
    secret: bytes, counter: int, look_ahead: int, distance: int
) -> None:
    code = hotp_code(secret, counter - look_ahead - distance)
    assume(code not in _hcodes(secret, counter - look_ahead, counter + look_ahead, 6, "SHA1"))
    with pytest.raises(InvalidCode):
        verify_hotp(secret, code, state=HotpState(counter), look_ahead=look_ahead)


def test_hotp_wrong_and_malformed_codes_are_invalid() -> None:
    state = HotpState(0)
    window = _hcodes(SECRET, 0, 10, 6, "SHA1")
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in window)
    for bad in (wrong, "12 34 5", "abcdef", "1234567"):
        with pytest.raises(InvalidCode):
            verify_hotp(SECRET, bad, state=state)


def test_hotp_counter_near_the_top_does_not_overflow() -> None:
    top = 2**64 - 1
    code = hotp_code(SECRET, top)
    assert verify_hotp(SECRET, code, state=HotpState(top - 3)) == HotpState(2**64)


# --- HOTP resynchronisation (RFC 4226 §7.4) -----------------------------------------------------


@settings(max_examples=50)
@given(
    secret=secrets_,
    counter=counters,
    data=st.data(),
    resync_window=st.integers(min_value=12, max_value=150),
)
def test_hotp_resync_from_two_consecutive_codes(
    secret: bytes, counter: int, data: st.DataObject, resync_window: int
) -> None:
    look_ahead = 10
    c = counter + data.draw(st.integers(min_value=look_ahead + 1, max_value=resync_window - 1))
    code1, code2 = hotp_code(secret, c), hotp_code(secret, c + 1)
    assume(code1 not in _hcodes(secret, counter - look_ahead, counter + look_ahead, 6, "SHA1"))

    with pytest.raises(InvalidCode):
        verify_hotp(secret, code1, state=HotpState(counter), look_ahead=look_ahead)
    state = resync_hotp(secret, code1, code2, state=HotpState(counter), resync_window=resync_window)
    assert state == HotpState(c + 2)
    # The token is back in step: its next code verifies without any look-ahead.
    assert verify_hotp(secret, hotp_code(secret, c + 2), state=state, look_ahead=0) == HotpState(
        c + 3
    )


@settings(max_examples=50)
@given(secret=secrets_, counter=counters, offset=st.integers(min_value=0, max_value=90))
def test_hotp_resync_refuses_codes_that_do_not_follow_each_other(
    secret: bytes, counter: int, offset: int
) -> None:
    c = counter + offset
    state = HotpState(counter)
    # A pair of codes can only be mistaken for another pair if codes around them coincide.
    around = [hotp_code(secret, n) for n in range(max(counter, c - 1), c + 3)]
    assume(len(set(around)) == len(around))
    with pytest.raises(ResyncFailed):  # a gap between them
        resync_hotp(secret, hotp_code(secret, c), hotp_code(secret, c + 2), state=state)
    with pytest.raises(ResyncFailed):  # the wrong order
        resync_hotp(secret, hotp_code(secret, c + 1), hotp_code(secret, c), state=state)
    with pytest.raises(ResyncFailed):  # the same code twice
        resync_hotp(secret, hotp_code(secret, c), hotp_code(secret, c), state=state)


@given(secret=secrets_, counter=st.integers(min_value=10, max_value=10**9))
def test_hotp_resync_stays_inside_its_window(secret: bytes, counter: int) -> None:
    state = HotpState(counter)
    window = 20
    # c + 1 is one past the window.
    last = counter + window
    with pytest.raises(ResyncFailed):
        resync_hotp(
            secret,
            hotp_code(secret, last),
            hotp_code(secret, last + 1),
            state=state,
            resync_window=window,
        )
    # Both inside, at the very end.
    assert resync_hotp(
        secret,
        hotp_code(secret, last - 1),
        hotp_code(secret, last),
        state=state,
        resync_window=window,
    ) == HotpState(last + 1)
    # Codes that were already used (below the counter) never resynchronise.
    with pytest.raises(ResyncFailed):
        resync_hotp(
            secret, hotp_code(secret, counter - 2), hotp_code(secret, counter - 1), state=state
        )


def test_hotp_resync_refuses_malformed_codes() -> None:
    with pytest.raises(ResyncFailed):
        resync_hotp(SECRET, "abcdef", hotp_code(SECRET, 1), state=HotpState())
    with pytest.raises(ValueError, match="resync_window"):
        resync_hotp(
            SECRET, hotp_code(SECRET, 0), hotp_code(SECRET, 1), state=HotpState(), resync_window=0
        )
