"""The factory's batch of chips: files for the chips, a batch file for the IdP, a root for the
allow-list; a chip from its file activates and logs in."""

from __future__ import annotations

import json
import uuid

import pytest

from segl.authenticators.models import Device
from segl.chip.inventory import chips_import_file
from segl.chip.services import assertion_begin, assertion_finish
from segl.emulators.chip_factory import chip_serial, factory_ca, make_chip_batch
from segl.emulators.fido_chip import EmulatedChip
from tests.chip.conftest import ORIGIN, register
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_a_factory_batch_is_imported_activated_and_used(config, tmp_path, clock):
    made = make_chip_batch(2, tmp_path)
    again = make_chip_batch(1, tmp_path)  # the same CA, serials that follow on
    assert made.serials == (chip_serial(1), chip_serial(2)) and again.serials == (chip_serial(3),)
    assert factory_ca(tmp_path).certificate == factory_ca(tmp_path).certificate
    assert chips_import_file(path=made.batch_file) == 2
    assert set(Device.objects.filter(kind="chip").values_list("serial", flat=True)) == set(
        made.serials
    )
    models = tmp_path / "models"
    models.mkdir()
    (models / "factory.pem").write_bytes(made.root.read_bytes())
    (models / "models.json").write_text(
        json.dumps(
            {"models": [{"aaguid": str(made.aaguid), "name": "f", "roots": ["factory.pem"]}]}
        )
    )
    config(chip_models=models)
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    path = tmp_path / "chips" / f"{made.serials[0]}.json"
    register(person.identity, EmulatedChip.load(path), clock)
    chip = EmulatedChip.load(path)  # the file kept the credential and the counter
    assert chip.counter == 1 and len(chip.credentials) == 1
    options, challenge = assertion_begin(identity=person.identity, flow_id="", now=clock())
    auth = assertion_finish(
        challenge_id=challenge, response=chip.get_assertion(options, ORIGIN), now=clock()
    )
    assert auth.device.serial == made.serials[0]
    assert EmulatedChip.load(path).counter == 2
