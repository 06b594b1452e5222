"""Danish CPR numbers (personnumre), after CPR-kontoret's «Personnummeret i CPR-systemet».

A CPR number is DDMMYY-SSSS: the birth date without its century, then a serial number whose
first digit (position 7) gives the century and whose last digit gives the sex (odd: male,
even: female). CPR-kontoret's century table, by digit 7 and the year YY:

    digit 7   YY 00-36   YY 37-57   YY 58-99
    0-3       19YY       19YY       19YY
    4, 9      20YY       19YY       19YY
    5-8       20YY       20YY       18YY

Since 1 October 2007 numbers are issued that fail the old modulus 11 check, and CPR-kontoret
asks every user of CPR numbers to accept them: the check is informational here, never a reason
to refuse a number.

A CPR number is personal data: ``Cpr`` shows only its masked form, masking takes any string,
and errors never repeat the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from segl.core.errors import CprError

__all__ = ["MASKED_OTHER", "Cpr", "mask_cpr", "parse_cpr", "passes_modulus11"]

Sex = Literal["female", "male"]

_MODULUS11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def _digits(raw: str) -> str:
    """The 10 digits of ``DDMMYYSSSS`` or ``DDMMYY-SSSS`` (surrounding spaces allowed)."""
    if not isinstance(raw, str):
        raise TypeError("CPR number must be str")
    text = raw.strip()
    if len(text) == 11 and text[6] == "-":
        text = text[:6] + text[7:]
    # isdigit() alone would let through other scripts' digits.
    if len(text) != 10 or not (text.isascii() and text.isdigit()):
        raise CprError("a CPR number is 10 digits, as DDMMYYSSSS or DDMMYY-SSSS")
    return text


def _century(yy: int, digit7: int) -> int:
    """CPR-kontoret's century table (see the module docstring)."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if yy <= 36 else 1900
    # digits 5-8
    return 2000 if yy <= 57 else 1800


@dataclass(frozen=True, repr=False)
class Cpr:
    """A parsed CPR number; ``value`` is the 10 digits without hyphen."""

    value: str
    birth_date: date
    sex: Sex

    def __post_init__(self) -> None:
        if not (len(self.value) == 10 and self.value.isascii() and self.value.isdigit()):
            raise ValueError("value must be the 10 digits of a CPR number")

    @property
    def masked(self) -> str:
        return mask_cpr(self.value)

    def __repr__(self) -> str:
        return f"Cpr({self.masked!r})"

    def __str__(self) -> str:
        return self.masked


def parse_cpr(raw: str) -> Cpr:
    """Parse a CPR number and derive its birth date and sex; raise ``CprError`` if it is not one.

    The birth date must exist in the century that digit 7 gives (so 29 February 1900 does not).
    The modulus 11 check is not applied (see the module docstring).
    """
    value = _digits(raw)
    day, month, yy = int(value[0:2]), int(value[2:4]), int(value[4:6])
    year = _century(yy, int(value[6])) + yy
    try:
        birth_date = date(year, month, day)
    except ValueError:
        raise CprError("the first six digits of a CPR number are a date, DDMMYY") from None
    sex: Sex = "male" if int(value[9]) % 2 else "female"
    return Cpr(value=value, birth_date=birth_date, sex=sex)


MASKED_OTHER = "******-****"


def mask_cpr(value: str) -> str:
    """``DDMMYY-****``: the birth date stays, the serial number does not. Any other string,
    whatever it holds, is masked whole (``******-****``), so masking never fails."""
    try:
        digits = _digits(value)
    except CprError:
        return MASKED_OTHER
    return f"{digits[:6]}-****"


def passes_modulus11(value: str) -> bool:
    """Whether the number passes the modulus 11 check (weights 4,3,2,7,6,5,4,3,2,1).

    Informational only: CPR numbers issued since 1 October 2007 need not pass it.
    """
    digits = _digits(value)
    return sum(w * int(d) for w, d in zip(_MODULUS11_WEIGHTS, digits, strict=True)) % 11 == 0
