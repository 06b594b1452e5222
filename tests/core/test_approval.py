"""The text a citizen approves shows exactly as the RP sent it (decision 7, core.approval)."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.approval import MAX_LENGTH, REFUSED_CATEGORIES, check_approval_text, describe
from segl.core.errors import ApprovalTextRefused

SHOWABLE = st.characters(exclude_categories=tuple(REFUSED_CATEGORIES))
REFUSED = st.characters(categories=tuple(REFUSED_CATEGORIES))
# RFC 6749 §4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E.
ERROR_DESCRIPTION = re.compile(r"[\x20\x21\x23-\x5B\x5D-\x7E]*")


def refusal(text: str) -> str:
    with pytest.raises(ApprovalTextRefused) as caught:
        check_approval_text(text)
    assert caught.value.code == "approval_text_invalid"
    return caught.value.reason


@given(st.text(alphabet=SHOWABLE, max_size=MAX_LENGTH))
def test_every_text_of_showable_characters_is_accepted(text: str) -> None:
    check_approval_text(text)


@given(
    before=st.text(alphabet=SHOWABLE, max_size=60),
    bad=REFUSED,
    after=st.text(max_size=60),
)
def test_the_first_refused_character_is_named_with_its_position(
    before: str, bad: str, after: str
) -> None:
    reason = refusal(before + bad + after)
    assert reason == f"approval_text contains {describe(bad)} at position {len(before) + 1}"
    assert reason.startswith(f"approval_text contains U+{ord(bad):04X} ")
    assert ERROR_DESCRIPTION.fullmatch(reason), reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Pay \u202e100 DKK", "U+202E RIGHT-TO-LEFT OVERRIDE at position 5"),
        ("Pay\u200b100 DKK", "U+200B ZERO WIDTH SPACE at position 4"),
        ("\u2066Pay", "U+2066 LEFT-TO-RIGHT ISOLATE at position 1"),
        ("Pay 100\u007f", "U+007F DELETE at position 8"),
        ("Pay\u0085100", "U+0085 NEXT LINE at position 4"),
        ("Pay\u009b100", "U+009B <control> at position 4"),
        ("Pay\u2028100", "U+2028 LINE SEPARATOR at position 4"),
        ("Pay\u2029100", "U+2029 PARAGRAPH SEPARATOR at position 4"),
        ("\ufeffPay", "U+FEFF ZERO WIDTH NO-BREAK SPACE at position 1"),
        ("Pa\u00ady", "U+00AD SOFT HYPHEN at position 3"),
        ("Pay\n100", "U+000A LINE FEED at position 4"),
        ("Pay\x00", "U+0000 NULL at position 4"),
        ("x\ud800", "U+D800 <surrogate> at position 2"),
    ],
)
def test_invisible_and_reordering_characters_are_refused_by_name(text: str, reason: str) -> None:
    assert refusal(text) == "approval_text contains " + reason


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Overfør 1.250,00 kr. til konto 1234-567890 — æøå ÆØÅ",
        "Pay\u00a0100\u202fDKK",  # no-break spaces show as spaces
        "emoji 🙂 and שלום",  # right-to-left letters are letters, not overrides
        "x" * MAX_LENGTH,
    ],
)
def test_ordinary_texts_are_accepted(text: str) -> None:
    check_approval_text(text)


def test_a_text_over_the_length_is_refused() -> None:
    assert refusal("x" * (MAX_LENGTH + 1)) == "approval_text is longer than 130 characters"


def test_the_rule_is_the_categories_of_the_whole_unicode_database() -> None:
    """Not a list of characters: every code point of the refused categories is refused."""
    refused = [
        chr(point)
        for point in range(sys.maxunicode + 1)
        if unicodedata.category(chr(point)) in REFUSED_CATEGORIES
    ]
    assert len(refused) > 2000  # Cc 65, Cf 160+, Zl 1, Zp 1, Cs 2048
    for char in refused:
        with pytest.raises(ApprovalTextRefused):
            check_approval_text("a" + char)


def test_a_text_must_be_a_str() -> None:
    with pytest.raises(TypeError):
        check_approval_text(b"Pay")  # type: ignore[arg-type]
