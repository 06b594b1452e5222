"""Importing a batch: only serials an activation can find, each seed under its own serial, and
all or nothing, with a clear message and no traceback."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Device
from segl.cli import main
from segl.core.pskc import TokenSeed
from segl.core.pskc_writer import write_pskc
from segl.core.secrets import Secret
from segl.core.serials import RULE, is_serial, normalise_serial

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def _seed(serial: str) -> TokenSeed:
    return TokenSeed(
        serial=serial,
        algorithm="totp",
        secret=Secret(secrets.token_bytes(20)),
        manufacturer="Acme",
        model="code_display",
    )


def _batch(tmp_path: Path, *serials: str) -> tuple[Path, Path]:
    pskc = tmp_path / "batch.pskc"
    pskc.write_bytes(write_pskc([_seed(s) for s in serials], passphrase=b"batch", iterations=1_000))
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("batch\n")
    return pskc, passphrase


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [
        "CDÆ00000001",  # a non-ASCII letter
        "CD\uff10\uff10\uff10\uff11",  # full-width digits
        "ﬁ0001",  # a ligature that str.upper() would make ASCII
        "cd0000000001",  # small letters: activation looks up capitals
        "TOTP-0001",  # a hyphen: activation leaves hyphens out
        "CD 0001",
        "A" * 33,  # longer than the inventory keeps
    ],
)
def test_import_refuses_a_serial_activation_could_not_find(capsys, tmp_path, bad):
    pskc, passphrase = _batch(tmp_path, "CD0000000001", bad, "CD0000000002")
    code = main(["tokens", "import", str(pskc), "--passphrase-file", str(passphrase)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"serial {bad!r}: {RULE}" in err
    assert "nothing was imported" in err and "Traceback" not in err + out
    assert Device.objects.count() == 0
    assert not AuditEvent.objects.filter(action="devices.import").exists()


@pytest.mark.django_db
def test_an_imported_serial_is_found_however_it_is_typed(capsys, tmp_path):
    pskc, passphrase = _batch(tmp_path, "ABC123", "9876543210")
    assert main(["tokens", "import", str(pskc), "--passphrase-file", str(passphrase)]) == 0
    capsys.readouterr()
    for typed, serial in [("abc 123", "ABC123"), ("98-76-54 32\t10", "9876543210")]:
        assert Device.objects.filter(serial=normalise_serial(typed)).get().serial == serial


def test_the_rule_and_the_typing_agree():
    assert is_serial("CD1234567897") and is_serial("9" * 32)
    for bad in ("", "9" * 33, "cd1", "CD-1", "CD 1", "CDÆ1", "\uff11", "ﬁ"):
        assert not is_serial(bad)
    assert normalise_serial(" cd-1234 5678-97 ") == "CD1234567897"
    # Only ASCII letters become capitals: a ligature stays what it is, and finds nothing.
    assert normalise_serial("ﬁ") == "ﬁ" and not is_serial(normalise_serial("ﬁ"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("vector", "message"),
    [
        ("relabelled", "the serial binding does not match"),
        ("binding-stripped", "has no serial binding"),
    ],
)
def test_a_relabelled_factory_batch_imports_nothing(capsys, tmp_path, vector, message):
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text("factory\n")
    pskc = VECTORS / "pskc-invalid" / f"{vector}.pskcxml"
    code = main(["tokens", "import", str(pskc), "--passphrase-file", str(passphrase)])
    out, err = capsys.readouterr()
    assert code == 2 and message in err and "nothing was imported" in err
    assert "Traceback" not in out + err
    assert Device.objects.count() == 0
