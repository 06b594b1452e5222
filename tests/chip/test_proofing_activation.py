"""Step 5 after a passport or ID card (seed 002): "Do you have a chip?", Yes, activate: the
password and the serial, then the chip's registration, for the proofed identity."""

from __future__ import annotations

import pytest

from segl.app.emulator import AppError as ProofingError
from segl.authenticators.models import Authenticator
from segl.identities.services import identity_verify_password
from tests.chip.conftest import ORIGIN, stock, write_models
from tests.contracts.harnesses import CHIP_AAGUID, chip_batch, chip_factory
from tests.portal.conftest import send
from tests.proofing.conftest import citizen, factory, journey, trusted

# The proofing tests' fixtures; their ``factory`` (the passport factory) takes the place of the
# chip tests' own, so the chips here come from the contract suite's batch.
__all__ = ["factory", "journey", "trusted"]

PASSWORD = "a long and private passphrase"


def sent_to(who, chip):
    """A chip ordered for the person (by the passport, say) and sent: what they activate."""
    send(who.person, "chip", chip.serial, steps=("packed", "shipped"))
    return chip


@pytest.fixture
def batch():
    return chip_batch()


@pytest.fixture
def accepted(config, tmp_path):
    folder = write_models(tmp_path / "chip-models", [(CHIP_AAGUID, chip_factory())])
    config(chip_models=folder)
    return folder


def test_yes_activate_a_chip_after_a_passport(factory, journey, accepted, batch, clock):
    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("with-a-chip")
    chip = sent_to(who, stock(batch))
    made = journey.activate_chip(serial=chip.serial, password=PASSWORD, chip=chip, origin=ORIGIN)
    assert made == {"kind": "chip", "serial": chip.serial}
    auth = Authenticator.objects.get(device__serial=chip.serial)
    assert (auth.identity.user_id, auth.status, auth.level) == ("with-a-chip", "active", "high")
    identity_verify_password(identity_id=auth.identity_id, password=PASSWORD, now=clock())
    # The proofing bound one thing: it cannot activate another.
    other = sent_to(who, stock(batch))
    with pytest.raises(ProofingError) as used:
        journey.activate_chip(serial=other.serial, password=PASSWORD, chip=other, origin=ORIGIN)
    assert used.value.reason == "proofing_used"


def test_a_chip_sent_to_no_one_is_not_claimed(factory, journey, accepted, batch):
    """A chip has no code to prove it is in hand: one in stock (or on a shelf) is refused."""
    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("chip-claims")
    loose = stock(batch)
    with pytest.raises(ProofingError) as claimed:
        journey.activate_chip(serial=loose.serial, password=PASSWORD, chip=loose, origin=ORIGIN)
    assert claimed.value.reason == "unknown_serial"
    assert not Authenticator.objects.filter(kind="chip").exists()


def test_a_refused_chip_leaves_the_proofing_for_another_try(
    factory, journey, config, tmp_path, batch, accepted
):
    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("chip-refused")
    chip = sent_to(who, stock(batch))
    config(chip_models=tmp_path / "nothing-accepted")
    with pytest.raises(ProofingError) as refused:
        journey.activate_chip(serial=chip.serial, password=PASSWORD, chip=chip, origin=ORIGIN)
    assert refused.value.reason == "model_not_accepted"
    config(chip_models=accepted)
    made = journey.activate_chip(serial=chip.serial, password=PASSWORD, chip=chip, origin=ORIGIN)
    assert made["kind"] == "chip"


def test_a_weak_password_or_a_malformed_answer_is_refused(factory, journey, accepted, batch):
    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("chip-weak")
    chip = sent_to(who, stock(batch))
    with pytest.raises(ProofingError) as weak:
        journey.activate_chip(serial=chip.serial, password="password", chip=chip, origin=ORIGIN)
    assert weak.value.reason == "password_common"
    with pytest.raises(ProofingError) as empty:
        journey.activate_chip(serial=chip.serial, password="", chip=chip, origin=ORIGIN)
    assert empty.value.reason == "password_too_short"
    begun = journey.call("POST", "security-key", {"serial": chip.serial, "password": PASSWORD})
    for credential in ("not an object", {"id": "AA"}):
        with pytest.raises(ProofingError) as bad:
            journey.call(
                "POST",
                "security-key/finish",
                {"challenge": begun["challenge"], "credential": credential},
            )
        assert bad.value.reason == "invalid"
    assert not Authenticator.objects.filter(kind="chip").exists()
