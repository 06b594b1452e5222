"""The portal's part in the limit of wrong tries: it tells a blocked citizen what to do, and its
fresh identifications recover: a login with segl opens identification by CPR number and passport
number again, and activating a new device takes the place of a blocked one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segl.authenticators.models import Authenticator, Device
from segl.authenticators.services import device_verify_code
from segl.core.errors import Locked, SeglError
from segl.orders.identification import identify_by_passport
from tests.conftest import log_in_at_segl, make_person
from tests.portal.conftest import english, portal_login, shipped_device

pytestmark = pytest.mark.django_db

BLOCKED_IDENTIFICATION = "Identification with this CPR number and passport number is blocked"


def order(browser, cpr: str, passport: str):
    return browser.post(
        "/portal/order/",
        {
            "kind": "code_display",
            "identify": "passport",
            "delivery": "pickup",
            "centre": "aarhus",
            "cpr": cpr,
            "passport": passport,
        },
    )


def block_identification(cpr: str) -> None:
    """A hundred wrong passport numbers, each as soon as the last lock ended, until now."""
    now = datetime.now(UTC) - timedelta(days=40)
    for _ in range(100):
        try:
            identify_by_passport(cpr=cpr, passport="999999999", now=now, ip="10.6.6.6")
        except Locked as exc:
            now = exc.until
        except SeglError:
            now += timedelta(seconds=1)


@pytest.fixture
def server(live_server, transactional_db):
    return live_server


def test_a_login_with_segl_opens_identification_by_passport_again(server, client):
    person = make_person("eva-blocked")
    register = person.identity.person
    register.passport_numbers = ["206123456"]
    register.save()
    block_identification(register.cpr)
    client.cookies["django_language"] = "en"
    blocked = order(client, register.cpr, "206123456")
    assert blocked.status_code == 403
    assert BLOCKED_IDENTIFICATION in blocked.content.decode()
    # The citizen logs in to the portal with segl: a fresh identification.
    start = client.post("/portal/login/")
    login = client.get(start["Location"])["Location"]
    back = log_in_at_segl(client, login, person)
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.post("/portal/logout/")
    assert order(client, register.cpr, "206123456").status_code == 302


def test_a_device_blocked_by_wrong_codes_is_shown_and_replaced_by_a_new_one(client, eva):
    blocked = Device.objects.get(assigned_to=eva.identity)
    now = datetime.now(UTC)
    for _ in range(100):
        try:
            device_verify_code(device_id=blocked.pk, code=eva.token.wrong_code(now), now=now)
        except Locked as exc:
            now = exc.until
        except SeglError:
            now += timedelta(seconds=1)
    blocked.refresh_from_db()
    assert blocked.disabled_at is not None
    overview = portal_login(english(), eva).get("/portal/").content.decode()
    assert "Blocked after too many wrong codes" in overview
    # A new one, ordered and sent to the register address, activated after identification
    # with CPR number and passport number, takes its place.
    token = shipped_device(eva)
    password = "a brand new passphrase"
    response = english().post(
        "/portal/activate/device/",
        {
            "cpr": eva.identity.person.cpr,
            "passport": "206123456",
            "new_password": password,
            "confirm_password": password,
            "serial": token.serial,
            "code": token.code(),
        },
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert Authenticator.objects.get(device=blocked).status == Authenticator.Status.RETIRED
    assert Authenticator.objects.get(device__serial=token.serial).status == "active"
