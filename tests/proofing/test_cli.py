"""``segl passport make`` and ``segl proofing``: the factory's documents as files, the trust
list, and the review queue as an operator at a citizen service centre works it."""

from __future__ import annotations

import json

import pytest

from segl.cli import main
from segl.emulators.chip import DocumentFile

from .conftest import citizen


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_passport_make_writes_a_document_and_a_trust_folder(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "passport",
        "make",
        "--out",
        str(tmp_path),
        "--kind",
        "id_card",
        "--surname",
        "Berg",
        "--given-names",
        "Ida",
        "--birth-date",
        "1990-05-06",
        "--sex",
        "F",
        "--number",
        "IA1234567",
        "--defect",
        "revoked_signer",
        "--json",
    )
    assert code == 0
    made = json.loads(out)
    document = DocumentFile.load(tmp_path / "passports" / "IA1234567-revoked_signer.json")
    assert made["mrz"] == document.printed_mrz and document.defect == "revoked_signer"
    assert sorted(p.name for p in (tmp_path / "trust").iterdir()) == [
        "segl-test-csca.crl",
        "segl-test-csca.pem",
    ]
    code, out, _ = run(capsys, "proofing", "trust", "--folder", str(tmp_path / "trust"), "--json")
    assert code == 0 and json.loads(out)["demo"] is True
    assert json.loads(out)["cscas"][0]["revocation_lists"] == 1


def test_passport_make_refuses_an_unknown_defect_and_a_number_too_long(capsys, tmp_path):
    base = [
        "passport",
        "make",
        "--out",
        str(tmp_path),
        "--surname",
        "B",
        "--given-names",
        "A",
        "--birth-date",
        "1990-01-01",
    ]
    code, _, err = run(capsys, *base, "--number", "P1", "--defect", "wobbly")
    assert code == 2 and "wobbly" in err and "cloned" in err
    code, _, err = run(capsys, *base, "--number", "P12345678901234")
    assert code == 2 and "cannot be made" in err and "Traceback" not in err


def test_the_review_queue_from_the_command_line(capsys, factory, journey, tmp_path):
    from segl.proofing.models import Proofing

    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr, same_person=False)
    (waiting,) = Proofing.objects.filter(state="review")
    code, out, _ = run(capsys, "proofing", "reviews", "--json")
    assert code == 0 and [w["proofing"] for w in json.loads(out)["waiting"]] == [waiting.id]
    code, out, _ = run(
        capsys, "proofing", "show", waiting.id, "--reviewer", "rita", "--out", str(tmp_path)
    )
    assert code == 0 and (tmp_path / "capture.jpg").read_bytes().startswith(b"\xff\xd8")
    assert (tmp_path / "chip.jpg").stat().st_size > 1000
    code, out, _ = run(
        capsys, "proofing", "decide", waiting.id, "--reviewer", "rita", "--same-person"
    )
    assert code == 0 and "second reviewer" in out
    code, _, err = run(
        capsys, "proofing", "decide", waiting.id, "--reviewer", " Rita ", "--same-person"
    )
    assert code == 2 and "another reviewer" in err
    code, _, err = run(
        capsys, "proofing", "decide", waiting.id, "--reviewer", "sven", "--not-same-person"
    )
    assert code == 2 and "Look at both pictures" in err  # sven has not seen them
    assert (
        run(capsys, "proofing", "show", waiting.id, "--reviewer", "sven", "--out", str(tmp_path))[0]
        == 0
    )
    code, out, _ = run(
        capsys,
        "proofing",
        "decide",
        waiting.id,
        "--reviewer",
        "sven",
        "--not-same-person",
        "--json",
    )
    assert code == 0 and json.loads(out)["outcome"] == "refused"
    code, _, err = run(
        capsys, "proofing", "show", waiting.id, "--reviewer", "rita", "--out", str(tmp_path)
    )
    assert code == 2 and "No face" in err


@pytest.mark.django_db(transaction=True)
def test_app_prove_gets_segl_with_a_document_file_over_http(
    capsys, factory, trusted, live_server, tmp_path, monkeypatch
):
    """The Python emulator of the app: the whole of step 7 and "On this phone" from a file."""
    from tests.app.conftest import temporary_pin

    who = citizen(factory, "id_card")
    document = tmp_path / "card.json"
    who.document.save(document)
    pin_file = tmp_path / "pin"
    pin_file.write_text("2580\n")
    monkeypatch.setattr("builtins.input", lambda prompt: temporary_pin(who.person.phone))
    common = [
        "--url",
        live_server.url,
        "--state",
        str(tmp_path / "app.json"),
        "--pin-file",
        str(pin_file),
    ]
    code, out, err = run(
        capsys,
        "app",
        "prove",
        str(document),
        "--cpr",
        who.cpr,
        "--user-id",
        "cli-proofed",
        *common,
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["level"] == "high" and json.loads(out)["user_id"] == "cli-proofed"
    code, _, err = run(
        capsys, "app", "prove", str(document), "--cpr", "0101011234", "--user-id", "x-y-z", *common
    )
    assert code == 2 and "not registered to this CPR number" in err and "(not_registered)" in err
