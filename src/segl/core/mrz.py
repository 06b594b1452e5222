"""The machine readable zone of a travel document (ICAO Doc 9303 Parts 3 to 6): read and check.

Three formats: TD3, the passport's two lines of 44 characters (Part 4); TD1, the ID card's three
lines of 30 (Part 5); TD2, two lines of 36 (Part 6). Every check digit is checked (Part 3 §4.9:
weights 7, 3, 1 repeating; ``<`` is 0, ``A`` to ``Z`` are 10 to 35; the sum modulo 10), and the
composite check digit over the lines' checked fields. In TD1 and TD2 a document number longer
than nine characters goes on in the optional data: its check digit position holds ``<``, and
the rest of the number, then its check digit, open the optional data (Part 5 §4.2.2 note j).
A name is its primary identifier, ``<<``, then its secondary identifier, with ``<`` between
words. Attacker input raises :class:`MrzInvalid`, whose ``reason`` names the rule broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import MrzInvalid

_CHARACTERS = re.compile(r"[A-Z0-9<]*")
_WEIGHTS = (7, 3, 1)
FORMATS = {(2, 44): "TD3", (3, 30): "TD1", (2, 36): "TD2"}


def _value(char: str) -> int:
    if char == "<":
        return 0
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise MrzInvalid("characters")


def check_digit(field: str) -> str:
    """The check digit of ``field`` (Part 3 §4.9), as the character printed after it."""
    total = sum(_value(char) * _WEIGHTS[i % 3] for i, char in enumerate(field))
    return str(total % 10)


def _checked(field: str, digit: str, name: str, *, unused_may_be_filler: bool = False) -> None:
    if unused_may_be_filler and set(field) == {"<"} and digit in ("<", "0"):
        return  # an unused optional data field's check digit may be a filler (Part 4 §4.2.2)
    if digit != check_digit(field):
        raise MrzInvalid(f"check_{name}")


def _date(field: str) -> str:
    """A date as printed (YYMMDD); a month or day that no calendar has is refused."""
    if not field.isdigit() or not 1 <= int(field[2:4]) <= 12 or not 1 <= int(field[4:6]) <= 31:
        raise MrzInvalid("date")
    return field


def _name(field: str) -> tuple[str, str]:
    primary, _, secondary = field.rstrip("<").partition("<<")
    return primary.replace("<", " ").strip(), secondary.replace("<", " ").strip()


@dataclass(frozen=True)
class Mrz:
    """A document's machine readable zone, checked. Fields are as printed, fillers removed."""

    format: str  # "TD1", "TD2" or "TD3"
    document_code: str  # "P" for a passport, "I", "ID", "AC" ... for other documents
    issuing_state: str  # three letters (ISO 3166-1 alpha-3, or ICAO's codes such as "D")
    document_number: str
    birth_date: str  # YYMMDD
    sex: str  # "F", "M" or "X" (unspecified, printed as "<")
    expiry_date: str  # YYMMDD
    nationality: str
    optional_data: str
    surname: str
    given_names: str

    @property
    def bac_information(self) -> str:
        """What Basic Access Control derives its keys from (Part 11 §9.7.1): the document
        number, date of birth and date of expiry, each followed by its check digit."""
        number = self.document_number.ljust(9, "<")
        return (
            number
            + check_digit(number)
            + self.birth_date
            + check_digit(self.birth_date)
            + self.expiry_date
            + check_digit(self.expiry_date)
        )


def parse(text: str) -> Mrz:
    """Read a machine readable zone: its lines separated by line breaks (spaces around them
    are ignored, as an optical reader may add them)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    shape = (len(lines), len(lines[0]) if lines else 0)
    kind = FORMATS.get(shape)
    if kind is None or any(len(line) != shape[1] for line in lines):
        raise MrzInvalid("shape")
    if not all(_CHARACTERS.fullmatch(line) for line in lines):
        raise MrzInvalid("characters")
    if kind == "TD1":
        return _td1(*lines)
    return _td2_td3(kind, lines[0], lines[1])


def _document_number(field: str, digit: str, optional: str) -> tuple[str, str]:
    """The document number and what is left of the optional data (Parts 5 and 6: a number
    longer than nine characters goes on in the optional data, ending with its check digit)."""
    if digit != "<":
        _checked(field, digit, "document_number")
        return field.rstrip("<"), optional
    more, _, rest = optional.partition("<")
    if len(more) < 2:
        raise MrzInvalid("check_document_number")
    number = field + more[:-1]
    _checked(number, more[-1], "document_number")
    return number, rest


def _td1(first: str, second: str, third: str) -> Mrz:
    number, optional = _document_number(first[5:14], first[14], first[15:30])
    _checked(second[0:6], second[6], "birth_date")
    _checked(second[8:14], second[14], "expiry_date")
    _checked(first[5:30] + second[0:7] + second[8:15] + second[18:29], second[29], "composite")
    return _build(
        "TD1",
        first,
        number,
        birth=second[0:6],
        sex=second[7],
        expiry=second[8:14],
        nationality=second[15:18],
        optional=optional + second[18:29],
        names=third,
    )


def _td2_td3(kind: str, first: str, second: str) -> Mrz:
    end = len(second) - 1  # the composite check digit's position
    if kind == "TD3":
        number, optional = second[0:9].rstrip("<"), second[28:42]
        _checked(second[0:9], second[9], "document_number")
        _checked(optional, second[42], "optional_data", unused_may_be_filler=True)
        composite = second[0:10] + second[13:20] + second[21:43]
    else:
        number, optional = _document_number(second[0:9], second[9], second[28:35])
        composite = second[0:10] + second[13:20] + second[21:35]
    _checked(second[13:19], second[19], "birth_date")
    _checked(second[21:27], second[27], "expiry_date")
    _checked(composite, second[end], "composite")
    return _build(
        kind,
        first,
        number,
        birth=second[13:19],
        sex=second[20],
        expiry=second[21:27],
        nationality=second[10:13],
        optional=optional,
        names=first[5:],
    )


def _build(
    kind: str,
    first: str,
    number: str,
    *,
    birth: str,
    sex: str,
    expiry: str,
    nationality: str,
    optional: str,
    names: str,
) -> Mrz:
    """The zone's fields, its check digits already checked; ``first`` is its first line."""
    surname, given_names = _name(names)
    return Mrz(
        format=kind,
        document_code=first[0:2].rstrip("<"),
        issuing_state=first[2:5].rstrip("<"),
        document_number=number,
        birth_date=_date(birth),
        sex=_sex(sex),
        expiry_date=_date(expiry),
        nationality=nationality.rstrip("<"),
        optional_data=optional.strip("<"),
        surname=surname,
        given_names=given_names,
    )


def _sex(char: str) -> str:
    if char not in ("F", "M", "<", "X"):
        raise MrzInvalid("characters")
    return "X" if char == "<" else char


def _field(value: str, width: int) -> str:
    text = value.upper().replace(" ", "<")
    if len(text) > width or not _CHARACTERS.fullmatch(text):
        raise ValueError(f"{value!r} does not fit {width} MRZ characters")
    return text.ljust(width, "<")


def _with_digit(field: str) -> str:
    return field + check_digit(field)


def write(mrz: Mrz) -> str:
    """The zone as printed on the document, lines separated by line breaks: the inverse of
    :func:`parse`, for making documents (the optional data of a TD1 card goes on its first
    line). A field that does not fit raises ``ValueError``."""
    width = {"TD3": 44, "TD1": 30, "TD2": 36}[mrz.format]
    names = _field(f"{mrz.surname}<<{mrz.given_names}".replace(" ", "<"), width - 5 * (width != 30))
    head = _field(mrz.document_code, 2) + _field(mrz.issuing_state, 3)
    dates = [_with_digit(_field(mrz.birth_date, 6)), "<" if mrz.sex == "X" else mrz.sex]
    dates.append(_with_digit(_field(mrz.expiry_date, 6)))
    born, sex, expires = dates
    nationality = _field(mrz.nationality, 3)
    if mrz.format == "TD3":
        optional = _with_digit(_field(mrz.optional_data, 14))
        second = _with_digit(_field(mrz.document_number, 9)) + nationality + born + sex
        second += expires + optional
        checked = second[0:10] + second[13:20] + second[21:43]
        return f"{head}{names}\n{second}{check_digit(checked)}"
    number = mrz.document_number
    if len(number) > 9:  # the rest of the number, then its check digit, opens the optional data
        number_field = _field(number[:9], 9) + "<"
        optional_head = number[9:] + check_digit(_field(number, len(number))) + "<"
    else:
        number_field, optional_head = _with_digit(_field(number, 9)), ""
    if mrz.format == "TD2":
        optional = _field(optional_head + mrz.optional_data, 7)
        second = number_field + nationality + born + sex + expires + optional
        return f"{head}{names}\n{second}{check_digit(second[0:10] + second[13:20] + second[21:35])}"
    first = head + number_field + _field(optional_head + mrz.optional_data, 15)
    second = born + sex + expires + nationality + "<" * 11
    composite = check_digit(first[5:30] + second[0:7] + second[8:15] + second[18:29])
    return f"{first}\n{second}{composite}\n{names}"
