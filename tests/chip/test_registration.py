"""Activating a chip: a WebAuthn registration with attestation, checked against the models
segl accepts, bound to a serial from the inventory and to one identity."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator, Device
from segl.chip.errors import ChipRefused
from segl.chip.models import ChipCredential
from segl.chip.services import registration_begin, registration_finish
from segl.emulators.fido_chip import FactoryCa
from tests.chip.conftest import (
    AAGUID,
    ORIGIN,
    OTHER_AAGUID,
    register,
    stock,
    write_models,
)
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(db):
    return make_person(f"chip-{uuid.uuid4().hex[:8]}")


def refused(reason: str):
    return pytest.raises(ChipRefused, match=f"^{reason}$")


def outcomes(action: str = "chip.register") -> list[str]:
    return list(AuditEvent.objects.filter(action=action).values_list("outcome", flat=True))


def test_a_chip_of_an_accepted_model_is_activated_and_bound_to_its_serial(
    person, accepted, batch, clock
):
    chip = stock(batch)
    auth = register(person.identity, chip, clock)
    assert (auth.kind, auth.status, auth.device.serial) == ("chip", "active", chip.serial)
    credential = ChipCredential.objects.get(authenticator=auth)
    assert credential.aaguid == str(AAGUID) and credential.user_verified
    assert credential.sign_count == chip.counter == 1
    device = Device.objects.get(serial=chip.serial)
    assert (device.status, device.assigned_to_id) == ("active", person.identity.pk)
    assert outcomes() == ["ok"]


def test_a_chip_without_a_pin_is_recorded_as_not_verifying_its_user(person, accepted, batch, clock):
    auth = register(person.identity, stock(batch, pin=False), clock)
    assert not ChipCredential.objects.get(authenticator=auth).user_verified


def test_a_model_not_in_the_allow_list_is_refused(person, accepted, factory, clock):
    chip = stock(factory.batch(OTHER_AAGUID.bytes))
    with refused("model_not_accepted"):
        register(person.identity, chip, clock)
    assert not Authenticator.objects.filter(identity=person.identity, kind="chip").exists()
    assert outcomes() == ["model_not_accepted"]


def test_an_accepted_key_of_another_model_than_the_serials_is_refused(
    person, config, tmp_path, factory, batch, clock
):
    """The serial's batch says which model the chip is: another accepted key is not that chip."""
    both = write_models(tmp_path / "both", [(AAGUID, factory), (OTHER_AAGUID, factory)])
    config(chip_models=both)
    chip = stock(batch)  # the inventory records AAGUID for its serial
    other = factory.batch(OTHER_AAGUID.bytes).chip(chip.serial)  # an accepted model, not it
    with refused("wrong_model"):
        register(person.identity, other, clock)
    assert not Authenticator.objects.filter(identity=person.identity, kind="chip").exists()
    assert register(person.identity, chip, clock).device.serial == chip.serial


def test_with_no_models_configured_every_chip_is_refused(person, config, tmp_path, batch, clock):
    config(chip_models=tmp_path / "nothing-here")
    with refused("model_not_accepted"):
        register(person.identity, stock(batch), clock)


@pytest.mark.parametrize("attestation", ["none", "self"])
def test_a_chip_that_does_not_prove_its_model_is_refused(
    person, accepted, batch, clock, attestation
):
    with pytest.raises(ChipRefused) as caught:
        register(person.identity, stock(batch), clock, attestation=attestation)
    assert caught.value.reason in ("model_not_accepted", "attestation_invalid")
    assert not ChipCredential.objects.exists()


def test_a_tampered_attestation_signature_is_refused(person, accepted, batch, clock):
    with refused("attestation_invalid"):
        register(person.identity, stock(batch), clock, tamper=True)


def test_an_attestation_certificate_from_another_ca_is_refused(person, accepted, clock):
    impostor = FactoryCa.create()  # same AAGUID, same names, another key
    with refused("attestation_invalid"):
        register(person.identity, stock(impostor.batch(AAGUID.bytes)), clock)


def test_a_model_is_trusted_only_under_its_own_root(person, config, tmp_path, batch, clock):
    other = FactoryCa.create()
    config(chip_models=write_models(tmp_path / "m", [(AAGUID, other)]))
    with refused("attestation_invalid"):
        register(person.identity, stock(batch), clock)


def test_a_registration_challenge_is_used_once(person, accepted, batch, clock):
    chip = stock(batch)
    options, challenge = registration_begin(
        identity=person.identity, serial=chip.serial, now=clock()
    )
    answer = chip.make_credential(options, ORIGIN)
    registration_finish(
        challenge_id=challenge, identity=person.identity, response=answer, now=clock()
    )
    with refused("challenge_used"):
        registration_finish(
            challenge_id=challenge, identity=person.identity, response=answer, now=clock()
        )


def test_a_refused_answer_spends_the_challenge(person, accepted, batch, clock):
    chip = stock(batch)
    options, challenge = registration_begin(
        identity=person.identity, serial=chip.serial, now=clock()
    )
    wrong = chip.make_credential(options, "https://evil.example")
    with refused("wrong_origin"):
        registration_finish(
            challenge_id=challenge, identity=person.identity, response=wrong, now=clock()
        )
    right = chip.make_credential(options, ORIGIN)
    with refused("challenge_used"):
        registration_finish(
            challenge_id=challenge, identity=person.identity, response=right, now=clock()
        )


def test_an_expired_registration_challenge_is_refused(person, accepted, batch, clock):
    chip = stock(batch)
    options, challenge = registration_begin(
        identity=person.identity, serial=chip.serial, now=clock()
    )
    answer = chip.make_credential(options, ORIGIN)
    clock.advance(timedelta(minutes=5))
    with refused("challenge_expired"):
        registration_finish(
            challenge_id=challenge, identity=person.identity, response=answer, now=clock()
        )


def test_another_identitys_registration_challenge_is_refused(person, accepted, batch, clock):
    other = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    chip = stock(batch)
    options, challenge = registration_begin(
        identity=person.identity, serial=chip.serial, now=clock()
    )
    answer = chip.make_credential(options, ORIGIN)
    with refused("challenge_unknown"):
        registration_finish(
            challenge_id=challenge, identity=other.identity, response=answer, now=clock()
        )


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"origin": "https://evil.example"}, "wrong_origin"),
        ({"origin": ORIGIN + "0"}, "wrong_origin"),
        ({"rp_id": "evil.example"}, "wrong_rp"),
    ],
)
def test_a_registration_for_another_origin_or_rp_is_refused(
    person, accepted, batch, clock, knobs, reason
):
    with refused(reason):
        register(person.identity, stock(batch), clock, **knobs)
    assert not ChipCredential.objects.exists()


def test_an_unknown_serial_is_refused(person, accepted, batch, clock):
    with refused("unknown_serial"):
        registration_begin(identity=person.identity, serial="CH999999999", now=clock())
    assert outcomes("chip.register_begin") == ["unknown_serial"]


def test_a_chip_sent_to_someone_else_is_refused(person, accepted, batch, clock):
    other = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    chip = stock(batch)
    Device.objects.filter(serial=chip.serial).update(assigned_to=other.identity, status="assigned")
    with refused("not_yours"):
        register(person.identity, chip, clock)


def test_an_activated_chip_cannot_be_activated_again(person, accepted, batch, clock):
    chip = stock(batch)
    register(person.identity, chip, clock)
    with refused("chip_used"):
        register(person.identity, chip, clock)


def test_a_second_chip_retires_the_first(person, accepted, batch, clock):
    first = register(person.identity, stock(batch), clock)
    second = register(person.identity, stock(batch), clock)
    first.refresh_from_db()
    assert (first.status, first.device.status) == ("retired", "retired")
    active = Authenticator.objects.filter(identity=person.identity, kind="chip", status="active")
    assert list(active) == [second]
    assert AuditEvent.objects.filter(action="chip.register").last().data["retired"] == [
        first.device.serial
    ]


def test_a_chip_serial_cannot_be_activated_with_a_code(person, accepted, batch, clock):
    from segl.authenticators.errors import DeviceError
    from segl.authenticators.services import device_activate

    chip = stock(batch)
    with pytest.raises(DeviceError, match="unknown_serial"):
        device_activate(identity=person.identity, serial=chip.serial, code="123456", now=clock())
