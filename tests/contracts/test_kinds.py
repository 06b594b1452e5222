"""The contract every authenticator kind keeps, run against every registered kind.

Each rule is parametrised over the registry (``KINDS``): a new kind is held to all of them by
registering it and writing its harness (``harnesses.py``); a kind without one fails the first
test, so no kind joins without passing the contract.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from segl.authenticators.models import Authenticator
from segl.authenticators.registry import KINDS
from segl.authenticators.services import (
    authenticator_reinstate,
    authenticator_retire,
    authenticator_suspend,
)
from segl.core.errors import TransitionRefused
from tests.conftest import make_person

from .harnesses import HARNESSES, Harness, Refused, login_at

pytestmark = pytest.mark.django_db

# Long enough that a one-time code of the last proof is not the current one.
LATER = timedelta(seconds=90)


def kinds() -> list[str]:
    return sorted(KINDS)


def start(name: str, clock, user_id: str = "") -> tuple[Harness, Authenticator]:
    """The kind's harness and an authenticator of the kind, activated a while ago."""
    harness = HARNESSES[name]()
    person = make_person(user_id or f"contract-{name[:10]}", kinds=())
    auth = harness.activate(person.identity, harness.issue(person.identity, clock()), clock())
    assert (auth.kind, auth.status) == (name, Authenticator.Status.ACTIVE)
    clock.advance(LATER)
    return harness, auth


def prove(harness: Harness, auth: Authenticator, now) -> None:
    harness.present(harness.proof(auth, now), now)


def refused(harness: Harness, auth: Authenticator, now) -> str:
    """The reason a whole proof was refused; fails the test if it was not."""
    with pytest.raises(Refused) as caught:
        prove(harness, auth, now)
    return caught.value.reason


@pytest.mark.parametrize("name", kinds())
def test_every_kind_has_a_harness(name):
    assert name in HARNESSES


@pytest.mark.parametrize("name", kinds())
def test_a_kind_says_its_steps_and_what_each_adds(name):
    kind = KINDS[name]
    assert kind.steps and set(kind.step_amr) == set(kind.steps)


@pytest.mark.parametrize("name", kinds())
def test_a_right_proof_passes_and_a_wrong_one_is_refused(name, clock):
    harness, auth = start(name, clock)
    with pytest.raises(Refused):
        harness.wrong(auth, clock())
    prove(harness, auth, clock())


@pytest.mark.parametrize("name", kinds())
def test_the_same_proof_twice_is_refused(name, clock):
    harness, auth = start(name, clock)
    proof = harness.proof(auth, clock())
    harness.present(proof, clock())
    with pytest.raises(Refused):
        harness.present(proof, clock())


@pytest.mark.parametrize("name", kinds())
def test_the_kinds_limit_of_wrong_proofs_locks_it(name, clock):
    harness, auth = start(name, clock)
    assert harness.limit >= 1
    for _ in range(harness.limit - 1):
        with pytest.raises(Refused):
            harness.wrong(auth, clock())
    prove(harness, auth, clock())  # one short of the limit: not locked, and the count restarts
    clock.advance(LATER)
    for _ in range(harness.limit):
        with pytest.raises(Refused):
            harness.wrong(auth, clock())
    refused(harness, auth, clock())  # now even the right one


@pytest.mark.parametrize("name", kinds())
def test_suspended_refuses_and_reinstated_works_again(name, clock):
    harness, auth = start(name, clock)
    authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="lost")
    auth.refresh_from_db()
    assert auth.status == Authenticator.Status.SUSPENDED
    refused(harness, auth, clock())
    with pytest.raises(TransitionRefused):
        authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="lost")

    clock.advance(LATER)
    authenticator_reinstate(authenticator_id=auth.pk, now=clock(), actor="contract")
    auth.refresh_from_db()
    assert auth.status == Authenticator.Status.ACTIVE
    prove(harness, auth, clock())


@pytest.mark.parametrize("name", kinds())
@pytest.mark.parametrize("suspended_first", [False, True], ids=["active", "suspended"])
def test_retired_stays_retired(name, suspended_first, clock):
    harness, auth = start(name, clock)
    if suspended_first:
        authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="fraud")
    authenticator_retire(authenticator_id=auth.pk, now=clock())
    auth.refresh_from_db()
    assert (auth.status, auth.retired_at) == (Authenticator.Status.RETIRED, clock())
    for step in (
        lambda: authenticator_reinstate(authenticator_id=auth.pk, now=clock()),
        lambda: authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="lost"),
        lambda: authenticator_retire(authenticator_id=auth.pk, now=clock()),
    ):
        with pytest.raises(TransitionRefused):
            step()
    auth.refresh_from_db()
    assert (auth.status, auth.retired_at) == (Authenticator.Status.RETIRED, clock())
    clock.advance(LATER)
    refused(harness, auth, clock())


@pytest.mark.parametrize("name", kinds())
def test_activation_by_the_wrong_person_is_refused(name, clock):
    harness = HARNESSES[name]()
    holder = make_person(f"holder-{name[:10]}", kinds=()).identity
    intruder = make_person(f"intruder-{name[:10]}", kinds=()).identity
    issued = harness.issue(holder, clock())
    with pytest.raises(Refused):
        harness.activate(intruder, issued, clock())
    assert not Authenticator.objects.filter(identity=intruder).exists()
    # What the intruder tried is still the holder's to use.
    auth = harness.activate(holder, issued, clock())
    assert auth.identity == holder


@pytest.mark.parametrize("name", kinds())
def test_every_kind_has_a_decoy_step(name, clock):
    """A user ID with none of this kind (here: nobody's) gets the kind's first step all the
    same (decision 17): ``begin_decoy`` prepares it, and nothing about it is anyone's."""
    from segl.app.models import AppRequest

    flow = login_at(name, "nobody-at-all", clock())
    assert (flow.method, flow.step, flow.identity) == (name, KINDS[name].steps[0], None)
    assert not AppRequest.objects.exclude(identity=None).exists()
