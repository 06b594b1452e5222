"""``segl factory make chip`` makes a vendor's batch; ``segl chips import`` puts it in the
inventory; with the model in the allow-list, a chip from it activates and logs in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segl.authenticators.models import Device
from segl.chip.services import assertion_begin, assertion_finish
from segl.emulators.fido_chip import EmulatedChip
from tests.chip.conftest import ORIGIN, register
from tests.conftest import make_person
from tests.test_cli import run, run_json

pytestmark = pytest.mark.django_db


def test_a_factory_batch_imports_activates_and_logs_in(capsys, config, tmp_path, clock):
    made = run_json(capsys, "factory", "make", "chip", "--count", "3", "--out", str(tmp_path))
    assert len(made["serials"]) == 3 and Path(made["batch_file"]).is_file()
    # The operator accepts the model: its AAGUID and the factory's root in the allow-list.
    models = tmp_path / "chip-models"
    models.mkdir()
    (models / "factory.pem").write_bytes(Path(made["root"]).read_bytes())
    entry = {"aaguid": made["aaguid"], "name": "factory chip", "roots": ["factory.pem"]}
    (models / "models.json").write_text(json.dumps({"models": [entry]}))
    config(chip_models=models)

    assert run_json(capsys, "chips", "import", made["batch_file"]) == {"imported": 3}
    assert Device.objects.filter(kind="chip", status="in_stock").count() == 3
    for device in Device.objects.filter(kind="chip"):
        device.full_clean()  # a chip's row is valid without a seed
    chip = EmulatedChip.load(Path(made["chips"]) / f"{made['serials'][0]}.json")
    person = make_person("chip-from-cli")  # with a password: a chip is used with one
    register(person.identity, chip, clock)
    options, challenge = assertion_begin(identity=person.identity, flow_id="", now=clock())
    signed = chip.get_assertion(options, ORIGIN)
    auth = assertion_finish(challenge_id=challenge, response=signed, now=clock())
    assert auth.device.serial == chip.serial


def test_a_batch_imported_twice_changes_nothing(capsys, tmp_path):
    made = run_json(capsys, "factory", "make", "chip", "--count", "2", "--out", str(tmp_path))
    assert run(capsys, "chips", "import", made["batch_file"])[0] == 0
    code, _, err = run(capsys, "chips", "import", made["batch_file"])
    assert code != 0 and "already in the inventory, so nothing was imported" in err
    assert Device.objects.filter(kind="chip").count() == 2


def test_a_file_that_is_no_batch_is_refused(capsys, tmp_path):
    bad = tmp_path / "x.chips.json"
    bad.write_text(json.dumps({"format": "something else"}))
    code, _, err = run(capsys, "chips", "import", str(bad))
    assert code != 0 and "not a chip batch file" in err
    code, _, err = run(capsys, "chips", "import", str(tmp_path / "missing.json"))
    assert code != 0 and "missing.json" in err
    assert not Device.objects.filter(kind="chip").exists()
