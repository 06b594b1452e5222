"""The contract every authenticator kind keeps: activate, verify, suspend, retire.

Each registered kind must have a *harness* here that knows how to make what the citizen holds;
a kind without one fails the first test, so no kind joins without passing the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from segl.authenticators.kinds import KINDS
from segl.authenticators.models import Authenticator
from segl.core.errors import SeglError
from tests.conftest import make_device, make_person


@dataclass
class Harness:
    proof: Callable[[datetime], tuple[dict[str, Any], Callable[[datetime], str]]]


def _device_harness(kind: str) -> Harness:
    def proof(now: datetime) -> tuple[dict[str, Any], Callable[[datetime], str]]:
        token = make_device(kind)
        return {"serial": token.serial, "code": token.code(now)}, token.code

    return Harness(proof=proof)


HARNESSES = {
    "code_display": _device_harness("code_display"),
    "audio_code_reader": _device_harness("audio_code_reader"),
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_a_harness(name):
    assert name in HARNESSES


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_activate_verify_suspend_retire(name):
    kind = KINDS[name]
    assert kind.steps and set(kind.step_amr) == set(kind.steps)
    person = make_person(f"contract-{name[:10]}", kinds=())
    past = datetime.now(UTC) - timedelta(minutes=2)
    proof, respond = HARNESSES[name].proof(past)
    auth = kind.activate(identity=person.identity, now=past, **proof)
    assert auth.kind == name and auth.status == Authenticator.Status.ACTIVE
    first = kind.steps[0]
    now = datetime.now(UTC)
    kind.verify(authenticator=auth, step=first, response=respond(now), now=now)

    later = now + timedelta(seconds=60)
    kind.suspend(authenticator=auth, now=later, reason="contract")
    auth.refresh_from_db()
    with pytest.raises(SeglError):
        kind.verify(authenticator=auth, step=first, response=respond(later), now=later)

    kind.retire(authenticator=auth, now=later)
    auth.refresh_from_db()
    assert auth.status == Authenticator.Status.RETIRED
    even_later = later + timedelta(seconds=60)
    with pytest.raises(SeglError):
        kind.verify(authenticator=auth, step=first, response=respond(even_later), now=even_later)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_wrong_response_is_refused(name):
    kind = KINDS[name]
    person = make_person(f"wrong-{name[:10]}", kinds=())
    past = datetime.now(UTC) - timedelta(minutes=2)
    proof, respond = HARNESSES[name].proof(past)
    auth = kind.activate(identity=person.identity, now=past, **proof)
    now = datetime.now(UTC)
    good = respond(now)
    with pytest.raises(SeglError):
        kind.verify(
            authenticator=auth,
            step=kind.steps[0],
            response="000000" if good != "000000" else "111111",
            now=now,
        )
