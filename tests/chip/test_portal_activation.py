"""Activating a chip on the portal (seed 002): "Do you have a chip?", Yes, activate; a new
password and the serial; then the chip's registration (here the factory's emulated chip)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from segl.authenticators.models import Authenticator, Device
from segl.chip.models import ChipChallenge
from segl.emulators.fido_chip import EmulatedChip
from segl.identities.services import identity_verify_password
from segl.notify.models import OutboxMessage
from tests.chip.conftest import ORIGIN, stock
from tests.conftest import make_person
from tests.portal.conftest import english, logged_in, portal_login, send, shipped_device

__all__ = ["logged_in"]  # a fixture of the portal's tests, used here too

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase"


def now() -> datetime:
    return datetime.now(UTC)


def shipped_chip(batch: Any, person: Any) -> EmulatedChip:
    chip = stock(batch)
    send(person.identity.person, "chip", chip.serial)
    return chip


def begin(client: Any, chip: EmulatedChip, **extra: str) -> Any:
    data = {
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "serial": chip.serial,
        **extra,
    }
    return client.post("/portal/activate/chip/", data)


def connect(client: Any, chip: EmulatedChip, **knobs: Any) -> Any:
    page = client.get("/portal/activate/chip/connect/").content.decode()
    found = re.search(r'<script id="chip-options" type="application/json">(.*?)</script>', page)
    assert found, page[:3000]
    options = json.loads(found.group(1))
    credential = chip.make_credential(options, ORIGIN, **knobs)
    reply = json.dumps({"challenge": options["challenge"], "credential": credential})
    return client.post("/portal/activate/chip/connect/", {"reply": reply})


def test_do_you_have_a_chip_yes_activate(client):
    html = client.get("/portal/activate/?kind=chip").content.decode()
    assert "Do you have a chip?" in html and 'href="/portal/activate/chip/"' in html


def test_a_logged_in_citizen_activates_the_chip_sent_to_them(logged_in, eva, accepted, batch):
    chip = shipped_chip(batch, eva)
    response = begin(logged_in, chip)
    assert response.status_code == 302 and response["Location"] == "/portal/activate/chip/connect/"
    page = logged_in.get("/portal/activate/chip/connect/").content.decode()
    assert "data-chip-start" in page and "Press the button on your chip" in page
    response = connect(logged_in, chip)
    html = response.content.decode()
    assert response.status_code == 200 and "is now activated and ready for use" in html
    assert "press Start and connect your chip" in html
    auth = Authenticator.objects.get(device__serial=chip.serial)
    assert (auth.identity, auth.kind, auth.status) == (eva.identity, "chip", "active")
    assert Device.objects.get(serial=chip.serial).status == "active"
    # The password created with the chip is the identity's password now.
    identity_verify_password(identity_id=eva.identity.pk, password=NEW_PASSWORD, now=now())
    told = OutboxMessage.objects.get(purpose="new_authenticator", channel="sms")
    assert told.to == eva.identity.person.phone and "chip" in told.text


def test_a_cpr_and_passport_number_do_not_activate_a_chip(client, eva, accepted, batch):
    """Others can know both numbers, and a chip has no code to prove it is the one sent: a
    login first, or a centre, or the app after the passport."""
    chip = shipped_chip(batch, eva)
    page = client.get("/portal/activate/chip/").content.decode()
    assert "log in with segl</a> first" in page and 'name="cpr"' not in page
    cpr = eva.identity.person.cpr
    response = begin(client, chip, cpr=cpr, passport="206123456")
    assert response.status_code == 403 and not ChipChallenge.objects.exists()
    assert client.get("/portal/activate/chip/connect/")["Location"] == "/portal/activate/chip/"


def test_a_weak_password_is_refused_before_anything_is_begun(logged_in, eva, accepted, batch):
    chip = shipped_chip(batch, eva)
    response = begin(logged_in, chip, new_password="password", confirm_password="password")
    assert response.status_code == 400 and "too common" in response.content.decode()
    assert not ChipChallenge.objects.exists()


def test_a_model_segl_does_not_accept_is_refused(logged_in, eva, config, tmp_path, batch):
    config(chip_models=tmp_path / "empty")  # no allow-list: every model refused
    chip = shipped_chip(batch, eva)
    begin(logged_in, chip)
    response = connect(logged_in, chip)
    assert response.status_code == 400
    assert "segl does not accept this security key" in response.content.decode()
    assert not Authenticator.objects.filter(kind="chip").exists()
    # The challenge was spent: the next try starts from the password again.
    assert logged_in.get("/portal/activate/chip/connect/")["Location"] == "/portal/activate/chip/"


def test_another_persons_chip_cannot_be_activated(eva, accepted, batch):
    chip = shipped_chip(batch, eva)
    thief = portal_login(english(), make_person("chip-thief"))
    response = begin(thief, chip)
    assert response.status_code == 400 and "sent to someone else" in response.content.decode()


def test_a_code_displays_serial_is_not_a_chip(logged_in, eva, accepted):
    token = shipped_device(eva)
    response = logged_in.post(
        "/portal/activate/chip/",
        {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "serial": token.serial},
    )
    assert response.status_code == 400
    assert "belongs to another kind of device" in response.content.decode()
    assert Device.objects.get(serial=token.serial).status == "assigned"


def test_an_answer_to_another_challenge_is_refused(logged_in, eva, accepted, batch):
    chip = shipped_chip(batch, eva)
    begin(logged_in, chip)
    page = logged_in.get("/portal/activate/chip/connect/").content.decode()
    options = json.loads(re.search(r'type="application/json">(.*?)</script>', page).group(1))
    credential = chip.make_credential(options, ORIGIN)
    reply = json.dumps({"challenge": "another", "credential": credential})
    response = logged_in.post("/portal/activate/chip/connect/", {"reply": reply})
    assert "That took too long" in response.content.decode()
    assert not Authenticator.objects.filter(kind="chip").exists()


def test_a_malformed_answer_is_a_clear_error(logged_in, eva, accepted, batch):
    chip = shipped_chip(batch, eva)
    begin(logged_in, chip)
    for bad in ("", "{", json.dumps({"challenge": "x"})):
        response = logged_in.post("/portal/activate/chip/connect/", {"reply": bad})
        assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert "is now activated" in connect(logged_in, chip).content.decode()
