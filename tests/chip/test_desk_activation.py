"""A chip handed over at the desk and activated on the customer display: the citizen chooses a
password there if they have none, then connects the chip; the operator sees neither."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from segl.authenticators.models import Authenticator
from segl.centres.models import CustomerDisplay, StockedDevice
from segl.centres.stock import stock_deliver
from segl.identities.services import identity_verify_password
from tests.chip.conftest import ORIGIN, stock
from tests.conftest import make_person
from tests.desk.conftest import desk
from tests.desk.test_display import SECRET, answer, identified, paired
from tests.staff import CENTRE

pytestmark = pytest.mark.django_db
__all__ = ["desk"]  # the desk's fixture: an operator logged in at the desk


def chip_on_the_shelf(batch: Any, clock: Any) -> Any:
    chip = stock(batch)
    assert stock_deliver(centre=CENTRE, kind="chip", count=1, now=clock(), actor="pia") == [
        chip.serial
    ]
    return chip


def connect(display: Any, chip: Any, **knobs: Any) -> Any:
    page = display.get("/display/").content.decode()
    found = re.search(r'<script id="chip-options" type="application/json">(.*?)</script>', page)
    assert found, page
    options = json.loads(found.group(1))
    reply = {
        "challenge": options["challenge"],
        "credential": chip.make_credential(options, ORIGIN, **knobs),
    }
    return answer(display, {"reply": json.dumps(reply)})


def test_a_chip_from_the_shelf_is_activated_on_the_display(staff, desk, accepted, batch, clock):
    citizen = make_person("chip-at-desk", kinds=())
    chip = chip_on_the_shelf(batch, clock)
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    assert desk.post(url + "device/", {"serial": chip.serial}).status_code == 302
    page = display.get("/display/").content.decode()
    assert "Activate your chip" in page and chip.serial in page and 'name="password"' in page
    assert answer(display, {"password": SECRET, "password_again": SECRET}).status_code == 302
    page = display.get("/display/").content.decode()
    assert "data-chip-start" in page and 'id="chip-options"' in page
    assert "chip-options" not in desk.get(url).content.decode()  # the operator's screen
    assert connect(display, chip).status_code == 302
    assert "Your device is activated" in display.get("/display/").content.decode()
    auth = Authenticator.objects.get(identity=citizen.identity, kind="chip")
    assert (auth.status, auth.device.serial) == ("active", chip.serial)
    identity_verify_password(identity_id=citizen.identity.pk, password=SECRET, now=clock())
    assert StockedDevice.objects.get().handed_over_at is not None


def test_a_refused_chip_asks_again_from_the_start(staff, desk, config, tmp_path, batch, clock):
    config(chip_models=tmp_path / "nothing-accepted")
    citizen = make_person("chip-refused", kinds=())
    chip = chip_on_the_shelf(batch, clock)
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    desk.post(url + "device/", {"serial": chip.serial})
    answer(display, {"password": SECRET, "password_again": SECRET})
    refused = connect(display, chip)
    assert refused.status_code == 400
    assert "segl does not accept this security key" in refused.content.decode()
    assert not Authenticator.objects.filter(kind="chip").exists()
    assert CustomerDisplay.objects.get().prompt_data == {"serial": chip.serial}
    assert StockedDevice.objects.get().handed_over_at is None


def test_an_answer_to_another_challenge_is_refused(staff, desk, accepted, batch, clock):
    citizen = make_person("chip-other", kinds=())
    chip = chip_on_the_shelf(batch, clock)
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    desk.post(url + "device/", {"serial": chip.serial})
    answer(display, {"password": SECRET, "password_again": SECRET})
    page = display.get("/display/").content.decode()
    options = json.loads(re.search(r'type="application/json">(.*?)</script>', page).group(1))
    reply = {"challenge": "another", "credential": chip.make_credential(options, ORIGIN)}
    response = answer(display, {"reply": json.dumps(reply)})
    assert response.status_code == 400 and "That took too long" in response.content.decode()
    assert not Authenticator.objects.filter(kind="chip").exists()


def test_someone_with_a_password_goes_straight_to_the_chip(staff, desk, accepted, batch, clock):
    citizen = make_person("chip-has-password")  # a code display and a password already
    chip = chip_on_the_shelf(batch, clock)
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    desk.post(url + "device/", {"serial": chip.serial})
    page = display.get("/display/").content.decode()
    assert 'name="password"' not in page and "Continue" in page
    assert answer(display, {}).status_code == 302
    assert connect(display, chip).status_code == 302
    assert Authenticator.objects.filter(identity=citizen.identity, kind="chip").count() == 1
