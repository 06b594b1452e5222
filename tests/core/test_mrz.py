"""Machine readable zones (ICAO Doc 9303 Parts 3 to 6), BAC keys (Part 11 Appendix D) and the MRZ
in DG1 (Part 10), with the specimens and vectors as data files (tests/vectors/icao9303)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from segl.core.bac import bac_keys
from segl.core.errors import DocumentRefused, MrzInvalid
from segl.core.lds import dg1_matches
from segl.core.mrz import check_digit, parse

VECTORS = Path(__file__).parent.parent / "vectors" / "icao9303"
MRZ = json.loads((VECTORS / "mrz.json").read_text())
BAC = json.loads((VECTORS / "bac.json").read_text())
DOCUMENTS = {document["name"]: document for document in MRZ["documents"]}


@pytest.mark.parametrize(("field", "digit"), MRZ["check_digits"])
def test_check_digits(field, digit):
    assert check_digit(field) == digit


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_specimens_read_as_printed(name):
    document = DOCUMENTS[name]
    assert asdict(parse("\n".join(document["lines"]))) == document["expected"]


def _changed(lines: list[str], row: int, column: int, char: str) -> str:
    changed = list(lines)
    changed[row] = changed[row][:column] + char + changed[row][column + 1 :]
    return "\n".join(changed)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_other_digit_in_a_check_position_is_refused(name):
    document = DOCUMENTS[name]
    for row, column in document["check_positions"]:
        printed = document["lines"][row][column]
        for digit in "0123456789":
            if digit == printed:
                continue
            with pytest.raises(MrzInvalid) as refused:
                parse(_changed(document["lines"], row, column, digit))
            assert refused.value.reason.startswith("check_"), (row, column, digit)


@pytest.mark.parametrize("name", DOCUMENTS)
def test_any_digit_of_a_checked_field_changed_to_another_is_refused(name):
    """The check digit catches every digit changed to another (its weights 7, 3 and 1 share no
    factor with 10). A letter changed to one whose value differs by ten (L and 1) it cannot
    catch: that is Doc 9303's scheme, and why the chip's data must match (DG1)."""
    document = DOCUMENTS[name]
    lines = document["lines"]
    for row, line in enumerate(lines):
        for column, printed in enumerate(line):
            if not printed.isdigit() or [row, column] in document["check_positions"]:
                continue
            for digit in "0123456789":
                if digit == printed:
                    continue
                with pytest.raises(MrzInvalid):
                    parse(_changed(lines, row, column, digit))


def test_a_long_document_number_goes_on_in_the_optional_data():
    long = MRZ["long_document_number"]
    read = parse("\n".join(long["lines"]))
    assert read.document_number == long["document_number"] and read.optional_data == ""
    # Its check digit (the 9 after 734) is checked too.
    with pytest.raises(MrzInvalid, match="check_document_number"):
        parse(_changed(long["lines"], 0, 18, "8"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "shape"),
        ("P<UTOERIKSSON<<ANNA", "shape"),
        ("\n".join(DOCUMENTS["TD3 passport (Part 4)"]["lines"]).lower(), "characters"),
        (DOCUMENTS["TD3 passport (Part 4)"]["lines"][0] + "\n" + "L898902C3" * 5, "shape"),
    ],
)
def test_what_is_not_a_zone_is_refused_with_its_reason(text, reason):
    with pytest.raises(MrzInvalid) as refused:
        parse(text)
    assert refused.value.reason == reason


def test_a_month_no_calendar_has_is_refused():
    # A date of birth in month 13, with its check digits made to add up.
    lines = DOCUMENTS["TD2 (Part 6)"]["lines"]
    second = lines[1][:13] + "741312" + check_digit("741312") + lines[1][20:35]
    second += check_digit(second[0:10] + second[13:20] + second[21:35])
    with pytest.raises(MrzInvalid, match="date"):
        parse(lines[0] + "\n" + second)


def test_bac_keys_from_the_appendix():
    keys = bac_keys(BAC["mrz_information"])
    assert keys.k_seed.hex().upper() == BAC["k_seed"]
    assert keys.k_enc.hex().upper() == BAC["k_enc"]
    assert keys.k_mac.hex().upper() == BAC["k_mac"]
    assert "23" not in repr(keys)  # no key material in a repr


def test_the_mrz_information_bac_derives_from():
    td3 = parse("\n".join(DOCUMENTS["TD3 passport (Part 4)"]["lines"]))
    assert td3.bac_information == "L898902C36" + "7408122" + "1204159"


def test_an_unused_optional_data_field_may_have_a_filler_for_its_check_digit():
    first, second = DOCUMENTS["TD3 passport (Part 4)"]["lines"]
    second = second[:28] + "<" * 14 + "<"
    second += check_digit(second[0:10] + second[13:20] + second[21:43])
    assert parse(first + "\n" + second).optional_data == ""


# -- DG1: the MRZ on the chip (Part 10) ----------------------------------------------------------


def test_dg1_holds_the_printed_mrz():
    dg1 = bytes.fromhex(MRZ["dg1"]["hex"])
    printed = parse("\n".join(DOCUMENTS[MRZ["dg1"]["document"]]["lines"]))
    assert dg1_matches(dg1, printed) == printed


def test_any_single_changed_byte_of_dg1_is_refused():
    dg1 = bytes.fromhex(MRZ["dg1"]["hex"])
    printed = parse("\n".join(DOCUMENTS[MRZ["dg1"]["document"]]["lines"]))
    for position in range(len(dg1)):
        for value in range(256):
            if value == dg1[position]:
                continue
            changed = dg1[:position] + bytes([value]) + dg1[position + 1 :]
            with pytest.raises(DocumentRefused) as refused:
                dg1_matches(changed, printed)
            assert refused.value.reason in ("chip_data_malformed", "mrz_mismatch")


def test_a_dg1_of_another_document_is_a_mismatch():
    dg1 = bytes.fromhex(MRZ["dg1"]["hex"])
    td1 = parse("\n".join(DOCUMENTS["TD1 ID card (Part 5)"]["lines"]))
    with pytest.raises(DocumentRefused, match="mrz_mismatch"):
        dg1_matches(dg1, td1)
