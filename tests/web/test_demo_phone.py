"""The demo's phone: the SMS outbox and activation codes, only where there is demo data."""

from __future__ import annotations

import pytest

from segl.notify.models import OutboxMessage
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def test_the_demo_phone_gives_activation_codes_and_shows_the_sms(client, config):
    config(demo=True)
    person = make_person("phone-demo-1")
    page = client.post("/emulator/phone/", {"user_id": person.user_id}).content.decode()
    assert "Activation code for phone-demo-1" in page
    code = page.split('class="mono">')[1].split("<")[0]
    from tests.app.conftest import emulator

    emulator().start_activation(person.user_id, code)
    page = client.get("/emulator/phone/").content.decode()
    assert OutboxMessage.objects.get().text in page.replace("&#x27;", "'")


def test_without_demo_data_there_is_no_demo_phone(client, config):
    config(demo=False)
    person = make_person("phone-demo-2")
    assert client.get("/emulator/phone/").status_code == 404
    assert client.post("/emulator/phone/", {"user_id": person.user_id}).status_code == 404
    from segl.app.models import ActivationCode

    assert not ActivationCode.objects.exists()


def test_without_the_demo_no_emulator_page_answers(client, config, tmp_path):
    from segl.emulators import make_batch

    (serial,) = make_batch("code_display", 1, tmp_path, passphrase=b"p").serials
    config(demo=True, device_dir=tmp_path / "devices")
    assert serial in client.get("/emulator/").content.decode()
    pressed = client.post(f"/emulator/{serial}/", HTTP_ACCEPT="application/json")
    assert pressed.status_code == 200 and len(pressed.json()["code"]) == 6

    # The demo's pages refuse by themselves too, should their URLs ever be routed.
    config(demo=False)
    assert client.get("/emulator/").status_code == 404
    assert client.get(f"/emulator/{serial}/").status_code == 404
    assert client.post(f"/emulator/{serial}/", HTTP_ACCEPT="application/json").status_code == 404
