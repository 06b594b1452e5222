"""The data groups on a travel document's chip (ICAO Doc 9303 Part 10, the Logical Data
Structure), as far as proofing reads them. Tags and lengths are BER-TLV, read by asn1crypto's
parser (strict: no trailing bytes, no short ones).

DG1 (tag ``61``) holds the MRZ as one string (tag ``5F1F``): 88 characters for a TD3 document,
90 for TD1, 72 for TD2. It must be the MRZ printed on the document, character for character:
the optical zone's check digits cannot catch every change (a letter for a digit whose value
differs by ten), the chip's data, signed in the SOD, can.
"""

from __future__ import annotations

from asn1crypto import parser

from .errors import DocumentRefused, MrzInvalid
from .mrz import Mrz, parse

APPLICATION = 1  # the tag class of the LDS's data group templates
DG1_TAG = 1  # 0x61: application class, constructed, tag number 1
MRZ_TAG = 31  # 0x5F1F: application class, primitive, tag number 31
_LINES = {88: 44, 90: 30, 72: 36}  # MRZ length on the chip: line length


def _element(data: bytes, tag: int, constructed: bool) -> bytes:
    try:
        class_, method, number, _, contents, _ = parser.parse(data, strict=True)
    except ValueError:
        raise DocumentRefused("chip_data_malformed") from None
    if (class_, method, number) != (APPLICATION, int(constructed), tag):
        raise DocumentRefused("chip_data_malformed")
    return bytes(contents)


def dg1_mrz(dg1: bytes) -> Mrz:
    """The MRZ in DG1, read and checked as the printed one is."""
    raw = _element(_element(dg1, DG1_TAG, constructed=True), MRZ_TAG, constructed=False)
    width = _LINES.get(len(raw))
    if width is None or not raw.isascii():
        raise DocumentRefused("chip_data_malformed")
    text = raw.decode("ascii")
    try:
        return parse("\n".join(text[i : i + width] for i in range(0, len(text), width)))
    except MrzInvalid:
        raise DocumentRefused("chip_data_malformed") from None


def dg1_matches(dg1: bytes, printed: Mrz) -> Mrz:
    """DG1's MRZ, refused unless it is the printed one (``mrz_mismatch``)."""
    chip = dg1_mrz(dg1)
    if chip != printed:
        raise DocumentRefused("mrz_mismatch")
    return chip
