"""Activating a received device on the portal (seed 001): only the person it was sent to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segl.authenticators.models import Authenticator, Device
from segl.notify.models import OutboxMessage
from tests.conftest import PASSWORD, make_device, make_person
from tests.portal.conftest import english, portal_login, shipped_device

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase"


def form(token, **extra):
    return {
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "serial": token.serial,
        "code": token.code(),
        **extra,
    }


def test_the_first_question_is_whether_you_have_one(client):
    html = client.get("/portal/activate/").content.decode()
    assert "Yes, activate" in html and "No, order" in html


def test_a_logged_in_citizen_activates_the_device_sent_to_them(logged_in, eva):
    token = shipped_device(eva, "audio_code_reader")
    response = logged_in.post("/portal/activate/device/", form(token))
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "is now activated and ready for use" in response.content.decode()
    auth = Authenticator.objects.get(device__serial=token.serial)
    assert (auth.identity, auth.status) == (eva.identity, "active")
    notice = OutboxMessage.objects.get(purpose="new_authenticator", channel="sms")
    assert notice.to == eva.identity.person.phone and "kodeoplæser" in notice.text
    assert OutboxMessage.objects.filter(purpose="new_authenticator", channel="email").exists()


def test_a_second_code_display_retires_the_first_and_says_so(logged_in, eva):
    first = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    old_serial = first.device.serial
    token = shipped_device(eva)
    response = logged_in.post("/portal/activate/device/", form(token))
    html = response.content.decode()
    assert f"Your previous one ({old_serial}) can no longer be used" in html
    first.refresh_from_db()
    assert first.status == "retired"
    assert Device.objects.get(serial=old_serial).status == "retired"


def test_another_person_cannot_activate_my_device(eva):
    token = shipped_device(eva)
    thief = portal_login(english(), make_person("thief-1"))
    response = thief.post("/portal/activate/device/", form(token))
    assert response.status_code == 400
    assert "sent to someone else" in response.content.decode()
    assert Device.objects.get(serial=token.serial).status == "assigned"
    assert not Authenticator.objects.filter(device__serial=token.serial).exists()


def test_a_device_still_in_stock_cannot_be_activated_on_the_portal(logged_in):
    token = make_device()
    response = logged_in.post("/portal/activate/device/", form(token))
    assert response.status_code == 400
    assert "We do not know a device with this serial number" in response.content.decode()
    assert Device.objects.get(serial=token.serial).status == "in_stock"


def test_a_wrong_code_activates_nothing(logged_in, eva):
    token = shipped_device(eva)
    wrong = token.wrong_code()
    response = logged_in.post("/portal/activate/device/", form(token, code=wrong))
    assert response.status_code == 400
    assert "one-time code is not correct" in response.content.decode()
    assert Device.objects.get(serial=token.serial).status == "assigned"


def test_passwords_that_differ_or_break_the_policy_are_refused(logged_in, eva):
    token = shipped_device(eva)
    differ = logged_in.post("/portal/activate/device/", form(token, confirm_password="other one"))
    assert "The two passwords are not the same" in differ.content.decode()
    short = logged_in.post(
        "/portal/activate/device/", form(token, new_password="short", confirm_password="short")
    )
    assert "at least 8 characters" in short.content.decode()
    assert Device.objects.get(serial=token.serial).status == "assigned"


def test_without_a_login_cpr_and_passport_number_identify_the_person(client, eva):
    token = shipped_device(eva)
    cpr = eva.identity.person.cpr
    missing = client.post("/portal/activate/device/", form(token))
    assert "Enter your CPR number" in missing.content.decode()
    wrong = client.post("/portal/activate/device/", form(token, cpr=cpr, passport="1"))
    assert "do not match" in wrong.content.decode()
    right = client.post("/portal/activate/device/", form(token, cpr=cpr, passport="206123456"))
    assert right.status_code == 200, right.content.decode()[:2000]
    assert Authenticator.objects.get(device__serial=token.serial).identity == eva.identity


def test_the_new_password_is_the_one_that_logs_in(logged_in, eva, driver):
    token = shipped_device(eva)
    logged_in.post("/portal/activate/device/", form(token))
    url, *_ = driver.start()
    driver.user_id(url, eva.user_id)
    driver.code(url, token.code(datetime.now(UTC) + timedelta(seconds=30)))  # the next code
    assert driver.password(url, PASSWORD).status_code == 200  # the old one no longer
    assert driver.password(url, NEW_PASSWORD).status_code == 302
