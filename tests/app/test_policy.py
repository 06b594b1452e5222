"""The app's rules in numbers are configuration (``SEGL_APP_*``, decision 25): read at load,
checked there, and what the services then enforce."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.conf import settings

from segl import clock
from segl.app.emulator import AppError
from segl.app.models import AppInstance
from segl.config import APP_POLICY_BOUNDS, AppPolicy, ConfigError, load
from tests.app.conftest import PIN
from tests.test_config import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(monkeypatch: pytest.MonkeyPatch):
    """Run the test under a changed app policy; the configuration comes back after it."""

    def change(**values: int) -> None:
        config = settings.CONFIG
        monkeypatch.setattr(
            settings,
            "CONFIG",
            dataclasses.replace(config, app=dataclasses.replace(config.app, **values)),
        )

    yield change
    clock.reset()


def test_without_settings_the_policy_is_todays():
    assert load(dict(GOOD)).app == AppPolicy()
    assert AppPolicy().weakening_delay == timedelta(hours=24)
    assert AppPolicy().pin_max_failures == 5
    assert AppPolicy().request_window == timedelta(minutes=10)


def test_every_setting_is_read_from_its_variable():
    env = {f"SEGL_APP_{name.upper()}": str(low) for name, (low, _high) in APP_POLICY_BOUNDS.items()}
    app = load({**GOOD, **env}).app
    assert dataclasses.asdict(app) == {name: low for name, (low, _) in APP_POLICY_BOUNDS.items()}
    assert set(APP_POLICY_BOUNDS) == {f.name for f in dataclasses.fields(AppPolicy)}


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SEGL_APP_PIN_MAX_FAILURES", "0", "between 3 and 10"),
        ("SEGL_APP_WEAKENING_DELAY_HOURS", "0", "between 1 and 720"),
        ("SEGL_APP_WEAKENING_DELAY_HOURS", "-24", "between 1 and 720"),
        ("SEGL_APP_MAX_APPS", "many", "whole number"),
        ("SEGL_APP_UNLOCK_SECONDS", "86400", "between 30 and 3600"),
        ("SEGL_APP_ACTIVATION_CODE_DAYS", "1.5", "whole number"),
    ],
)
def test_a_bad_value_is_refused_at_load_naming_the_variable(name, value, says):
    with pytest.raises(ConfigError) as refused:
        load({**GOOD, name: value})
    assert name in str(refused.value)
    assert says in str(refused.value)


def test_a_shorter_delay_before_a_weakening_change_takes_effect(bo, policy):
    policy(weakening_delay_hours=2)
    bo.app.unlock(bo.user_id, PIN)
    assert bo.app.set_approval_mode(bo.user_id, "code")["approval_mode"] == "qr"
    clock.move(timedelta(hours=1, minutes=59))
    bo.app.unlock(bo.user_id, PIN)
    with pytest.raises(AppError) as early:
        bo.app.confirm_approval_mode(bo.user_id)
    assert early.value.reason == "not_yet"
    clock.move(timedelta(minutes=1))
    bo.app.unlock(bo.user_id, PIN)
    assert bo.app.confirm_approval_mode(bo.user_id)["approval_mode"] == "code"


def test_fewer_pin_tries_lock_the_app_sooner(bo, policy):
    policy(pin_max_failures=3)
    for remaining in (2, 1):
        with pytest.raises(AppError) as wrong:
            bo.app.unlock(bo.user_id, "9999")
        assert wrong.value.body["remaining"] == remaining
    with pytest.raises(AppError) as locked:
        bo.app.unlock(bo.user_id, "9999")
    assert locked.value.reason == "app_locked"
    assert AppInstance.objects.get().locked_at is not None
