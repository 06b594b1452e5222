"""The factory's chips against the server: a factory CA, a batch, an allow-list naming it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from segl.chip.inventory import chips_import
from segl.chip.services import registration_begin, registration_finish
from segl.emulators.fido_chip import Batch, EmulatedChip, FactoryCa
from tests.conftest import BASE_URL, make_person
from tests.numbering import serials

ORIGIN = BASE_URL  # the test server's base URL is an origin (no path)
AAGUID = uuid.UUID("5e91a7c0-2f4b-4c55-9b0e-51e6c0a1f001")
OTHER_AAGUID = uuid.UUID("5e91a7c0-2f4b-4c55-9b0e-51e6c0a1f002")


@pytest.fixture(scope="session")
def factory() -> FactoryCa:
    return FactoryCa.create()


@pytest.fixture(scope="session")
def batch(factory: FactoryCa) -> Batch:
    return factory.batch(AAGUID.bytes)


def write_models(folder: Path, models: list[tuple[uuid.UUID, FactoryCa]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for n, (aaguid, ca) in enumerate(models):
        (folder / f"root{n}.pem").write_bytes(ca.pem())
        entries.append({"aaguid": str(aaguid), "name": f"model {n}", "roots": [f"root{n}.pem"]})
    (folder / "models.json").write_text(json.dumps({"models": entries}))
    return folder


@pytest.fixture
def accepted(config: Any, tmp_path: Path, factory: FactoryCa) -> Path:
    """The allow-list holds the factory's model, under the factory's root."""
    folder = write_models(tmp_path / "chip-models", [(AAGUID, factory)])
    config(chip_models=folder)
    return folder


def new_serial() -> str:
    # The process's one numbering (tests/numbering.py): this module may be loaded twice.
    return f"CH{next(serials) + 4_000_000:09d}{uuid.uuid4().int % 10}"


@dataclass
class Holder:
    identity: Any
    chip: EmulatedChip


def stock(batch: Batch, *, pin: bool = True) -> EmulatedChip:
    chip = batch.chip(new_serial(), pin=pin)
    chips_import(serials_=[chip.serial], aaguid=str(uuid.UUID(bytes=batch.aaguid)), batch="test")
    return chip


def register(identity: Any, chip: EmulatedChip, clock: Any, **knobs: Any) -> Any:
    options, challenge = registration_begin(identity=identity, serial=chip.serial, now=clock())
    answer = chip.make_credential(options, knobs.pop("origin", ORIGIN), **knobs)
    return registration_finish(
        challenge_id=challenge, identity=identity, response=answer, now=clock()
    )


@pytest.fixture
def holder(db: Any, accepted: Path, batch: Batch, clock: Any) -> Holder:
    """Someone with an activated chip from the factory's batch."""
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    chip = stock(batch)
    register(person.identity, chip, clock)
    return Holder(identity=person.identity, chip=chip)
