"""Fixtures: staff at two centres and a newcomer in the people register, for the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from segl.centres.staff import staff_grant
from segl.identities.services import person_create
from tests.conftest import Person, make_person

CENTRE = "kbh-vesterbro"
OTHER = "aarhus"


@dataclass
class Staff:
    operator: Any  # Identity
    second: Any
    supervisor: Any
    elsewhere: Any  # an operator at another centre
    packer: Any  # fulfilment only


def staff_member(user_id: str, centre: str, *roles: str) -> Person:
    person = make_person(user_id)
    for role in roles:
        staff_grant(
            identity=person.identity, centre=centre, role=role, now=datetime.now(UTC), actor="t"
        )
    return person


@pytest.fixture
def staff(db: Any) -> Staff:
    return Staff(
        operator=staff_member("ole-operator", CENTRE, "operator").identity,
        second=staff_member("sara-second", CENTRE, "operator").identity,
        supervisor=staff_member("sune-super", CENTRE, "operator", "supervisor").identity,
        elsewhere=staff_member("anders-aarhus", OTHER, "operator", "supervisor").identity,
        packer=staff_member("pia-packer", CENTRE, "fulfilment").identity,
    )


@pytest.fixture
def newcomer(db: Any) -> Any:
    """A person in the register with no segl yet."""
    return person_create(
        cpr="0403851234",
        given_name="Dorte",
        family_name="Nielsen",
        phone="+4520000005",
        passport_numbers=["207112233"],
    )
