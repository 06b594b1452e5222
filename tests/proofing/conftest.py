"""Fixtures for proofing: the passport factory's issuer and trust folder, people in the
register with documents, and the app's proofing journey through the test client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from segl.emulators.chip import DocumentFile
from segl.emulators.issuer import Issuer
from segl.emulators.passport import Holder, make_document
from segl.emulators.proofing import ProofingEmulator
from tests.app.conftest import emulator

_numbers = iter(range(10**6))


@pytest.fixture(scope="session")
def factory(tmp_path_factory) -> tuple[Issuer, Path]:
    folder = tmp_path_factory.mktemp("factory")
    return Issuer.open(folder, datetime.now(UTC)), folder


@pytest.fixture
def trusted(factory, config) -> Path:
    """Proofing trusts the factory's CSCA and compares the drawn faces (the demo's verifier)."""
    trust = factory[1] / "trust"
    config(proofing_trust=trust, face_verifier="demo", demo=True)
    return trust


@dataclass
class Citizen:
    person: Any
    cpr: str
    document: DocumentFile


def citizen(
    factory, kind: str = "passport", *, defect: str | None = None, with_segl: bool = False
) -> Citizen:
    """A person in the register (with a phone and e-mail) and their document."""
    from segl.identities.services import identity_create, person_create

    n = next(_numbers)
    born = date(1980, 1, 1) + timedelta(days=n % 3000)
    cpr = born.strftime("%d%m%y") + f"{n % 4000:04d}"  # a 7th digit 0-3: born in the 1900s
    number = f"{'P' if kind == 'passport' else 'I'}{n:08d}"
    person = person_create(
        cpr=cpr,
        given_name="Test",
        family_name=f"Holder {n}",
        address=f"Testvej {n}, 2000 Frederiksberg",
        passport_numbers=[number],
        phone=f"+4531{n:06d}",
        email=f"holder{n}@example.dk",
    )
    if with_segl:
        identity_create(person=person, user_id=f"holder-{n}", now=datetime.now(UTC))
    holder = Holder(
        "Holder", "Test", born, "F", number, date.today() - timedelta(days=300), kind=kind
    )
    document = make_document(factory[0], holder, now=datetime.now(UTC), defect=defect)  # type: ignore[arg-type]
    return Citizen(person, cpr, document)


@pytest.fixture
def journey(db, trusted) -> ProofingEmulator:
    return ProofingEmulator(emulator(Client()))
