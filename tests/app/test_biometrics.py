"""Unlocking the app with biometrics: a WebAuthn platform credential with user verification."""

from __future__ import annotations

import pytest

from segl.app.emulator import AppError
from segl.app.models import AppInstance, AppRequest
from tests.app.conftest import PIN
from tests.app.test_login_with_app import current_qr, start_app_login
from tests.conftest import BASE_URL

pytestmark = pytest.mark.django_db


def refused(call, *args) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args)
    return caught.value


def test_biometrics_unlock_the_app_and_amr_says_so(driver, bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    assert bo.app.me(bo.user_id)["biometrics"] is True
    url, _, verifier = start_app_login(driver, bo)
    AppInstance.objects.update(unlocked_until=None)
    bo.app.unlock_with_biometrics(bo.user_id)
    shown = bo.app.bind(bo.user_id, AppRequest.objects.get().id, qr=current_qr(url))
    bo.app.answer(bo.user_id, shown)
    token = driver.token(driver.finish(url)["code"][0], verifier)
    assert driver.verified_claims(token.json()["id_token"])["amr"] == ["swk", "user", "mfa"]


def test_setting_up_biometrics_needs_an_unlock_by_pin(bo):
    assert refused(bo.app.set_up_biometrics, bo.user_id).reason == "unlock_needed"


def test_biometrics_cannot_register_more_biometrics(bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    bo.app.unlock_with_biometrics(bo.user_id)
    assert refused(bo.app.set_up_biometrics, bo.user_id).reason == "pin_needed"


def test_without_user_verification_nothing_is_unlocked(bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    AppInstance.objects.update(unlocked_until=None)
    bo.app.registration(bo.user_id).biometrics.verified = False
    assert refused(bo.app.unlock_with_biometrics, bo.user_id).reason == "biometrics_failed"
    assert AppInstance.objects.get().unlocked_until is None


def test_a_registration_without_user_verification_is_refused(bo):
    from segl.app.emulator import SoftwareAuthenticator

    bo.app.unlock(bo.user_id, PIN)
    weak = SoftwareAuthenticator()
    weak.verified = False
    bo.app.registration(bo.user_id).biometrics = weak
    assert refused(bo.app.set_up_biometrics, bo.user_id).reason == "biometrics_failed"
    assert AppInstance.objects.get().biometric_credential == ""


def test_an_assertion_is_accepted_once(bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    reg = bo.app.registration(bo.user_id)
    options = bo.app.call("POST", "unlock/biometrics", key=reg.key)["options"]
    credential = reg.biometrics.get(options, BASE_URL)
    body = {"credential": credential}
    bo.app.call("POST", "unlock/biometrics/finish", body, key=reg.key)

    def again() -> None:
        bo.app.call("POST", "unlock/biometrics/finish", body, key=reg.key)

    assert refused(again).reason == "biometrics_expired"


def test_a_cloned_authenticator_is_refused(bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    bo.app.unlock_with_biometrics(bo.user_id)
    bo.app.registration(bo.user_id).biometrics.counter = 0  # a copy that is behind
    assert refused(bo.app.unlock_with_biometrics, bo.user_id).reason == "biometrics_cloned"


def test_another_keys_credential_does_not_unlock(bo):
    from segl.app.emulator import SoftwareAuthenticator

    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    bo.app.registration(bo.user_id).biometrics = SoftwareAuthenticator()
    assert refused(bo.app.unlock_with_biometrics, bo.user_id).reason == "biometrics_failed"


def test_a_locked_app_stays_locked_whatever_biometrics_say(bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    for _ in range(5):
        refused(bo.app.unlock, bo.user_id, "9999")
    assert refused(bo.app.unlock_with_biometrics, bo.user_id).reason == "app_locked"
