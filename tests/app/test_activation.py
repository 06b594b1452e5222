"""Activating the app with an activation code and a temporary PIN by SMS (seed 002)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from segl.app.emulator import AppError
from segl.app.models import AppInstance
from segl.authenticators.models import Authenticator
from tests.app.conftest import PIN, activate, emulator, issue_code, temporary_pin
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_activation_registers_the_apps_key_and_pin():
    person = make_person("cara-app-1")
    app = emulator()
    answer = activate(app, person)
    assert answer == {
        "user_id": "cara-app-1",
        "name": "segl app",
        "approval_mode": "qr",
        "weakening_delay_hours": 24,
        "biometrics": False,
        "notifications": False,
        "pending_change": None,
    }
    instance = AppInstance.objects.get()
    assert instance.authenticator.kind == "app" and instance.authenticator.status == "active"
    assert (
        instance.public_key == app.registration("cara-app-1").key.export_public(as_dict=True) | {}
    )
    assert "d" not in instance.public_key and PIN not in instance.pin_hash
    assert app.me("cara-app-1")["user_id"] == "cara-app-1"


def test_a_fourth_app_is_refused():
    person = make_person("many-apps-1")
    for _ in range(3):
        activate(emulator(), person)
    error = _refused(activate, emulator(), person)
    assert (error.status, error.reason) == (409, "too_many_apps")
    assert AppInstance.objects.count() == 3
    # Retiring one makes room again.
    Authenticator.objects.filter(pk=AppInstance.objects.first().authenticator_id).update(
        status="retired"
    )
    activate(emulator(), person)


def _refused(call, *args, **kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_an_activation_code_works_once_and_only_for_its_user_id():
    person = make_person("code-once-1")
    other = make_person("code-once-2")
    code = issue_code(person)
    app = emulator()
    assert _refused(app.start_activation, other.user_id, code).reason == "activation_code_invalid"
    assert _refused(app.start_activation, person.user_id, "WRONG-CODE-0000").status == 400
    app.start_activation(person.user_id.upper(), code.lower().replace("-", ""))
    assert _refused(app.start_activation, person.user_id, code).reason == "activation_code_invalid"


def test_an_activation_code_expires_after_seven_days():
    from segl.app.models import ActivationCode

    person = make_person("code-old-1")
    code = issue_code(person)
    ActivationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _refused(emulator().start_activation, person.user_id, code).status == 400


def test_three_wrong_temporary_pins_end_the_activation():
    person = make_person("temp-pin-1")
    app = emulator()
    activation = app.start_activation(person.user_id, issue_code(person))
    right = temporary_pin(person.identity.person.phone)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(2):
        error = _refused(
            app.finish_activation, activation, user_id=person.user_id, temporary_pin=wrong, pin=PIN
        )
        assert error.reason == "temporary_pin_wrong"
    error = _refused(
        app.finish_activation, activation, user_id=person.user_id, temporary_pin=wrong, pin=PIN
    )
    assert (error.status, error.reason) == (410, "activation_expired")
    error = _refused(
        app.finish_activation, activation, user_id=person.user_id, temporary_pin=right, pin=PIN
    )
    assert error.reason == "activation_expired"
    assert not AppInstance.objects.exists()


def test_an_activation_expires_after_ten_minutes():
    from segl.app.models import AppActivation

    person = make_person("temp-pin-2")
    app = emulator()
    activation = app.start_activation(person.user_id, issue_code(person))
    AppActivation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    pin = temporary_pin(person.identity.person.phone)
    error = _refused(
        app.finish_activation, activation, user_id=person.user_id, temporary_pin=pin, pin=PIN
    )
    assert error.reason == "activation_expired"


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("123", "pin_length"),
        ("1234567", "pin_length"),
        ("12a4", "pin_digits"),
        ("\uff11\uff12\uff13\uff14", "pin_digits"),
        ("0000", "pin_too_simple"),
        ("1234", "pin_too_simple"),
        ("98765", "pin_too_simple"),
    ],
)
def test_the_pin_must_be_4_to_6_digits_and_not_trivial(pin, reason):
    person = make_person(f"pin-rule-{abs(hash(pin)) % 1000}")
    app = emulator()
    activation = app.start_activation(person.user_id, issue_code(person))
    sms_pin = temporary_pin(person.identity.person.phone)
    error = _refused(
        app.finish_activation, activation, user_id=person.user_id, temporary_pin=sms_pin, pin=pin
    )
    assert error.reason == reason
    # A refused PIN does not use up the activation.
    app.finish_activation(activation, user_id=person.user_id, temporary_pin=sms_pin, pin="2580")


def test_a_person_without_a_mobile_number_cannot_get_a_temporary_pin():
    person = make_person("no-phone-1")
    person.identity.person.phone = ""
    person.identity.person.save()
    assert _refused(emulator().start_activation, person.user_id, issue_code(person)).reason == (
        "no_phone"
    )


def test_one_app_holds_a_household_each_with_its_own_pin():
    """Seed 003: share the app as a household, each with their own user ID and PIN."""
    anna, bo = make_person("house-anna"), make_person("house-bo")
    app = emulator()
    activate(app, anna, pin="2580")
    activate(app, bo, pin="1357")
    assert {r.user_id for r in app.registrations.values()} == {"house-anna", "house-bo"}
    app.unlock("house-anna", "2580")
    app.unlock("house-bo", "1357")
    assert _refused(app.unlock, "house-anna", "1357").reason == "pin_wrong"
    keys = {r.key.thumbprint() for r in app.registrations.values()}
    assert len(keys) == 2


def test_the_emulator_keeps_its_keys_in_a_private_file(tmp_path):
    person = make_person("file-app-1")
    state = tmp_path / "app.json"
    app = emulator()
    app.state = state
    activate(app, person)
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    again = emulator()
    again.state = state
    again.__post_init__()
    again.unlock(person.user_id, PIN)
