"""Passport numbers as typed: normalised to bytes, compared in constant time, never raising."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.identification import (
    COMPARISONS,
    normalise_passport_number,
    passport_number_matches,
)

# Anything a form, a client or a script could send: every category, surrogates and NUL included.
anything = st.text(st.characters(exclude_categories=()), max_size=300)


def test_spaces_and_small_letters_do_not_matter() -> None:
    assert passport_number_matches(" 206 123 456 ", ["206123456"])
    assert passport_number_matches("ab1234567", ["AB 123 4567"])
    full_width = "".join(chr(0xFF10 + int(d)) for d in "206123456")
    assert passport_number_matches(full_width, ["206123456"])  # NFKC
    assert not passport_number_matches("206123457", ["206123456"])


@pytest.mark.parametrize(
    "odd", ["206123456\x00", "\xe6\xf8\xe5", "\ud800", "\udfff206", "\u202e654321602", "9" * 5000]
)
def test_odd_passport_numbers_are_only_wrong(odd: str) -> None:
    # The comparison that crashed: hmac.compare_digest refuses str that is not ASCII.
    assert not passport_number_matches(odd, ["206123456", "AB1234567"])
    assert not passport_number_matches(odd, [])


def test_nothing_typed_never_matches_not_even_an_empty_number() -> None:
    for typed in ("", " ", "\t\n", "\u2003"):
        assert not passport_number_matches(typed, ["", " "])


@given(typed=anything, known=st.lists(anything, max_size=COMPARISONS + 2))
def test_any_input_is_compared_without_raising(typed: str, known: list[str]) -> None:
    wanted = normalise_passport_number(typed)
    expected = bool(wanted) and any(wanted == normalise_passport_number(k) for k in known)
    assert passport_number_matches(typed, known) is expected


@given(anything)
def test_normalising_takes_anything_and_gives_bytes(raw: str) -> None:
    assert isinstance(normalise_passport_number(raw), bytes)


@given(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz \t"))
def test_a_passport_number_in_latin_letters_and_digits_keeps_its_characters(raw: str) -> None:
    assert normalise_passport_number(raw) == "".join(raw.split()).upper().encode("ascii")
