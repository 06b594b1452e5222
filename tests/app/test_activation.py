"""Activating the app with an activation code and a temporary PIN by SMS (seed 002)."""

from __future__ import annotations

import pytest

from segl.app.models import AppInstance
from tests.app.conftest import PIN, activate, emulator
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
        "pending_change": None,
    }
    instance = AppInstance.objects.get()
    assert instance.authenticator.kind == "app" and instance.authenticator.status == "active"
    assert (
        instance.public_key == app.registration("cara-app-1").key.export_public(as_dict=True) | {}
    )
    assert "d" not in instance.public_key and PIN not in instance.pin_hash
    assert app.me("cara-app-1")["user_id"] == "cara-app-1"
