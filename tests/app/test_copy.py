"""Activate the app on another phone by copying from an existing one (seed 002, part 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jwcrypto import jwk

from segl import clock
from segl.app.emulator import AppError
from segl.app.models import AppInstance, CopyOffer
from segl.notify.models import OutboxMessage
from tests.app.conftest import PIN, emulator, temporary_pin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _real_time_after():
    yield
    clock.reset()


def refused(call, *args, **kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_copy_to_a_new_phone(bo):
    old, new = bo.app, emulator()
    old.unlock(bo.user_id, PIN)
    offer = old.offer_copy(bo.user_id)
    assert offer["qr"].startswith("segl-copy.") and offer["state"] == "offered"
    code = new.scan_copy(offer["qr"])
    assert old.copy_status(bo.user_id, offer["copy"])["state"] == "scanned"
    old.confirm_copy(bo.user_id, offer["copy"], code)
    activation = new.finish_copy(bo.user_id)
    new.finish_activation(
        activation,
        user_id=bo.user_id,
        temporary_pin=temporary_pin(bo.person.identity.person.phone),
        pin="1357",
    )
    new.unlock(bo.user_id, "1357")
    assert AppInstance.objects.count() == 2
    # The old app is told.
    assert old.copy_status(bo.user_id, offer["copy"])["state"] == "completed"
    assert OutboxMessage.objects.filter(channel="push", purpose="app_copied").exists()


def test_the_qr_code_is_valid_three_minutes(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    clock.move(timedelta(minutes=3))
    assert refused(emulator().scan_copy, offer["qr"]).reason == "copy_expired"


def test_a_scanned_qr_code_cannot_be_scanned_again(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    emulator().scan_copy(offer["qr"])
    assert refused(emulator().scan_copy, offer["qr"]).reason == "copy_state"


def test_the_new_app_gets_nothing_before_the_old_app_confirms(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    new = emulator()
    new.scan_copy(offer["qr"])
    assert refused(new.finish_copy, bo.user_id).reason == "copy_state"
    assert not OutboxMessage.objects.filter(
        purpose="temporary_pin", created_at__gt=offer_time(offer)
    ).exists()


def offer_time(offer):
    return CopyOffer.objects.get(pk=offer["copy"]).created_at


def test_three_wrong_proximity_codes_cancel_the_copy(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    code = emulator().scan_copy(offer["qr"])
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        assert refused(bo.app.confirm_copy, bo.user_id, offer["copy"], wrong).reason == (
            "copy_code_wrong"
        )
    assert refused(bo.app.confirm_copy, bo.user_id, offer["copy"], wrong).reason == "copy_expired"
    assert refused(bo.app.confirm_copy, bo.user_id, offer["copy"], code).status == 410


def test_the_user_id_must_be_the_old_apps(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    new = emulator()
    bo.app.confirm_copy(bo.user_id, offer["copy"], new.scan_copy(offer["qr"]))
    assert refused(new.finish_copy, "someone-else").reason == "user_id_wrong"
    new.finish_copy(bo.user_id.upper())


def test_only_the_key_that_scanned_can_finish(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    new = emulator()
    bo.app.confirm_copy(bo.user_id, offer["copy"], new.scan_copy(offer["qr"]))
    # Someone else's app, with a key of its own that scanned nothing.
    thief = emulator()
    thief._next_key = jwk.JWK.generate(kty="EC", crv="P-256")
    assert refused(thief.finish_copy, bo.user_id).reason == "copy_unknown"
    activation = new.finish_copy(bo.user_id)
    error = refused(
        thief.finish_activation,
        activation,
        user_id=bo.user_id,
        temporary_pin=temporary_pin(bo.person.identity.person.phone),
        pin="1357",
    )
    assert error.reason == "key_mismatch"


def test_offering_a_copy_needs_an_unlocked_app(bo):
    assert refused(bo.app.offer_copy, bo.user_id).reason == "unlock_needed"


def test_a_copy_sends_one_temporary_pin(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    new = emulator()
    bo.app.confirm_copy(bo.user_id, offer["copy"], new.scan_copy(offer["qr"]))
    new.finish_copy(bo.user_id)
    assert refused(new.finish_copy, bo.user_id).reason == "copy_state"
    offered_at = CopyOffer.objects.get(pk=offer["copy"]).created_at
    sent = OutboxMessage.objects.filter(purpose="temporary_pin", created_at__gte=offered_at)
    assert sent.count() == 1


def test_three_wrong_user_ids_cancel_the_copy(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    new = emulator()
    bo.app.confirm_copy(bo.user_id, offer["copy"], new.scan_copy(offer["qr"]))
    for _ in range(3):
        assert refused(new.finish_copy, "guess").reason == "user_id_wrong"
    assert refused(new.finish_copy, bo.user_id).reason == "copy_expired"


def test_a_copy_of_an_app_retired_meanwhile_does_not_finish(bo):
    bo.app.unlock(bo.user_id, PIN)
    offer = bo.app.offer_copy(bo.user_id)
    new = emulator()
    bo.app.confirm_copy(bo.user_id, offer["copy"], new.scan_copy(offer["qr"]))
    activation = new.finish_copy(bo.user_id)
    bo.app.retire(bo.user_id)  # lost, say, and removed
    error = refused(
        new.finish_activation,
        activation,
        user_id=bo.user_id,
        temporary_pin=temporary_pin(bo.person.identity.person.phone),
        pin="1357",
    )
    assert error.reason == "copy_state"
