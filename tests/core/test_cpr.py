"""CPR numbers: the century rule, dates, sex, masking, and modulus 11 as information only."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.cpr import Cpr, mask_cpr, parse_cpr, passes_modulus11
from segl.core.errors import CprError

# CPR-kontoret's table, one row per (digit 7, YY) case, with the edges of every range.
CENTURY_CASES = [
    # digit 7 is 0-3: always the 1900s
    ("010100", 0, 1900),
    ("010136", 1, 1936),
    ("010137", 2, 1937),
    ("010157", 3, 1957),
    ("010158", 0, 1958),
    ("311299", 3, 1999),
    # digit 7 is 4 or 9: 00-36 in the 2000s, 37-99 in the 1900s
    ("010100", 4, 2000),
    ("311236", 4, 2036),
    ("010137", 4, 1937),
    ("010157", 4, 1957),
    ("010158", 4, 1958),
    ("311299", 4, 1999),
    ("010100", 9, 2000),
    ("311236", 9, 2036),
    ("010137", 9, 1937),
    ("311299", 9, 1999),
    # digit 7 is 5-8: 00-57 in the 2000s, 58-99 in the 1800s
    ("010100", 5, 2000),
    ("010136", 6, 2036),
    ("010137", 7, 2037),
    ("311257", 5, 2057),
    ("311257", 8, 2057),
    ("010158", 5, 1858),
    ("010158", 8, 1858),
    ("311299", 6, 1899),
    ("311299", 7, 1899),
]


@pytest.mark.parametrize(("ddmmyy", "digit7", "year"), CENTURY_CASES)
def test_century_rule(ddmmyy: str, digit7: int, year: int) -> None:
    cpr = parse_cpr(f"{ddmmyy}{digit7}001")
    assert cpr.birth_date == date(year, int(ddmmyy[2:4]), int(ddmmyy[0:2]))


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("010158-5000", 1858),
        ("311299-5000", 1899),
        ("010137-4000", 1937),
        ("311236-4000", 2036),
        ("311257-5000", 2057),
    ],
)
def test_edge_years(raw: str, year: int) -> None:
    assert parse_cpr(raw).birth_date.year == year


def _serial_digits_for(born: date) -> list[int]:
    """The digits 7 that, by CPR-kontoret's table, put ``born`` in its century."""
    yy = born.year % 100
    if 1900 <= born.year <= 1999:
        return [0, 1, 2, 3] + ([4, 9] if yy >= 37 else [])
    if 2000 <= born.year <= 2036:
        return [4, 9, 5, 6, 7, 8]
    if 2037 <= born.year <= 2057:
        return [5, 6, 7, 8]
    return [5, 6, 7, 8] if 1858 <= born.year <= 1899 else []


@given(
    born=st.dates(min_value=date(1858, 1, 1), max_value=date(2057, 12, 31)),
    data=st.data(),
    rest=st.integers(min_value=0, max_value=999),
)
def test_every_date_of_birth_round_trips(born: date, data: st.DataObject, rest: int) -> None:
    digit7 = data.draw(st.sampled_from(_serial_digits_for(born)))
    raw = f"{born:%d%m%y}{digit7}{rest:03d}"
    assert parse_cpr(raw).birth_date == born


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_any_ten_digits_parse_or_raise_cpr_error(raw: str) -> None:
    try:
        cpr = parse_cpr(raw)
    except CprError:
        return
    assert cpr.value == raw
    assert cpr.birth_date.strftime("%d%m%y") == raw[:6]


@pytest.mark.parametrize(
    "raw",
    [
        "3102994001",  # 31 February
        "3104994001",  # 31 April
        "0001994001",  # day 0
        "0113994001",  # month 13
        "0100994001",  # month 0
        "2902000001",  # 1900 was not a leap year
        "2902585001",  # nor was 1858
        "6701904001",  # a substitute number (day + 60) is not a CPR number
    ],
)
def test_dates_that_do_not_exist_are_refused(raw: str) -> None:
    with pytest.raises(CprError, match="date"):
        parse_cpr(raw)


def test_last_days_of_months_are_accepted() -> None:
    assert parse_cpr("3004994001").birth_date == date(1999, 4, 30)
    assert parse_cpr("3112994001").birth_date == date(1999, 12, 31)


def test_leap_days_follow_the_century() -> None:
    assert parse_cpr("2902004001").birth_date == date(2000, 2, 29)
    assert parse_cpr("2902565001").birth_date == date(2056, 2, 29)
    assert parse_cpr("2902962001").birth_date == date(1996, 2, 29)


def test_310299_is_refused_in_every_century() -> None:
    for digit7 in range(10):
        with pytest.raises(CprError):
            parse_cpr(f"310299{digit7}001")


@pytest.mark.parametrize("raw", ["0707614285", "070761-4285", "  070761-4285 ", "\t0707614285\n"])
def test_accepted_forms(raw: str) -> None:
    assert parse_cpr(raw) == parse_cpr("0707614285")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "070761428",
        "07076142850",
        "070761 4285",
        "07076-14285",
        "070761--4285",
        "0707614285-",
        "070761/4285",
        "O707614285",
        "".join(chr(ord(c) + 0xFEE0) for c in "0707614285"),  # full-width
        "٠٧٠٧٦١٤٢٨٥",  # Arabic-Indic digits
    ],
)
def test_malformed_numbers_are_refused(raw: str) -> None:
    with pytest.raises(CprError, match="10 digits"):
        parse_cpr(raw)


def test_modulus11_is_never_a_reason_to_refuse() -> None:
    assert passes_modulus11("0707614285") is True
    for raw in ("0707614286", "0101651234", "1502993012"):
        assert passes_modulus11(raw) is False
        parse_cpr(raw)  # valid all the same, as numbers issued since 2007 are


def test_modulus11_takes_either_form() -> None:
    assert passes_modulus11("070761-4285") is True
    with pytest.raises(CprError):
        passes_modulus11("07076142")


@pytest.mark.parametrize(
    ("last", "sex"), [(str(d), "male" if d % 2 else "female") for d in range(10)]
)
def test_sex_from_the_last_digit(last: str, sex: str) -> None:
    assert parse_cpr(f"070761428{last}").sex == sex


def test_masking() -> None:
    assert mask_cpr("0707614285") == "070761-****"
    assert mask_cpr("070761-4285") == "070761-****"
    # Anything else is masked whole, whatever it holds: masking never fails.
    full_width = "".join(chr(0xFF10 + int(d)) for d in "0101801234")
    for other in ("12345", "", "0101801234x", full_width, "\x00" * 10, "\ud800", "9" * 500):
        assert mask_cpr(other) == "******-****"


def test_repr_and_str_show_only_the_masked_form() -> None:
    cpr = parse_cpr("070761-4285")
    assert cpr.value == "0707614285"
    for shown in (repr(cpr), str(cpr), f"{cpr}", f"{cpr!r}", repr([cpr]), repr({"cpr": cpr})):
        assert "4285" not in shown
        assert "070761-****" in shown


def test_errors_do_not_repeat_the_number() -> None:
    for raw in ("3102994285", "070761x4285"):
        with pytest.raises(CprError) as caught:
            parse_cpr(raw)
        assert "4285" not in str(caught.value)
        assert caught.value.code == "cpr_invalid"


def test_cpr_value_is_checked() -> None:
    with pytest.raises(ValueError):
        Cpr(value="070761-4285", birth_date=date(1961, 7, 7), sex="male")
    with pytest.raises(TypeError):
        parse_cpr(707614285)  # type: ignore[arg-type]
