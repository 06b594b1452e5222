"""The customer display: paired by typing the code the desk shows; what the citizen types there
(user ID, password, a device's code) never reaches the operator's screen, and an answer goes
only to the question the display showed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from segl.app.models import ActivationCode
from segl.authenticators.models import Authenticator
from segl.centres.display import CLAIMS_PER_ADDRESS, PAIRING_MINUTES
from segl.centres.models import Approval, CustomerDisplay, StockedDevice
from segl.centres.stock import stock_at, stock_deliver
from segl.identities.models import Identity
from segl.identities.services import identity_verify_password
from tests.conftest import PASSWORD, make_device, make_person
from tests.desk.conftest import desk_login
from tests.staff import CENTRE

DOCUMENT = {"kind": "passport", "number": "207112233", "country": "DNK", "expiry": "2031-05-01"}
SECRET = "a private desk passphrase"


def screen() -> Client:
    display = Client()
    display.cookies["django_language"] = "en"
    return display


def pairing_code(desk: Client, url: str) -> str:
    """The desk shows a code for pairing a display (on its own screen only)."""
    assert desk.post(url + "display/").status_code == 302
    page = desk.get(url).content.decode()
    digits = re.search(r"data-pairing-code>(\d{3}) (\d{3})<", page)
    assert digits, page
    return digits.group(1) + digits.group(2)


def answer(display: Client, fields: dict[str, str]):
    """Answer the question the display shows (its version goes with the answer)."""
    page = display.get("/display/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version, page
    return display.post("/display/", {**fields, "version": version.group(1)})


def identified(desk: Client, cpr: str) -> str:
    url = desk.post("/desk/visits/", {"cpr": cpr})["Location"]
    assert desk.post(url + "document/", DOCUMENT).status_code == 302
    return url


def paired(desk: Client, url: str) -> Client:
    display = screen()
    assert display.post("/display/", {"code": pairing_code(desk, url)}).status_code == 302
    return display


def test_a_new_identity_chosen_on_the_display_and_approved_by_a_second_operator(
    staff, desk, newcomer
):
    url = identified(desk, newcomer.cpr)
    display = paired(desk, url)
    assert b"When the operator asks you" in display.get("/display/").content
    assert desk.post(url + "display/ask/", {"prompt": "new_identity"}).status_code == 302
    assert b"Choose your user ID and password" in display.get("/display/").content

    mismatch = {"user_id": "dorte-n", "password": SECRET, "password_again": SECRET + "x"}
    refused = answer(display, mismatch)
    assert refused.status_code == 400 and b"The two passwords are not the same" in refused.content
    cpr_id = answer(display, {**mismatch, "user_id": "040385-1234", "password_again": SECRET})
    assert b"must not be a CPR number" in cpr_id.content
    assert not Approval.objects.exists()

    done = answer(display, {"user_id": "dorte-n", "password": SECRET, "password_again": SECRET})
    assert done.status_code == 302
    assert b"A second member of staff approves it now" in display.get("/display/").content
    page = desk.get(url).content.decode()
    assert "A second staff member must approve it now" in page
    assert SECRET not in page
    approval = Approval.objects.get()
    assert approval.requested_by == staff.operator and SECRET not in approval.password_hash

    assert desk.post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"}).status_code == 403
    assert (
        desk_login(staff.second)
        .post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"})
        .status_code
        == 302
    )
    identity = Identity.objects.get(person=newcomer)
    assert (identity.user_id, identity.ial) == ("dorte-n", "high")
    identity_verify_password(identity_id=identity.pk, password=SECRET, now=datetime.now(UTC))


def test_a_device_from_the_centres_stock_is_handed_over_and_activated(staff, desk, clock):
    citizen = make_person("karl-k", kinds=())
    token = make_device("code_display")
    assert stock_deliver(centre=CENTRE, kind="code_display", count=1, now=clock(), actor="pia") == [
        token.serial
    ]
    assert [line.count for line in stock_at(CENTRE) if line.kind == "code_display"] == [1]
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    wrong_place = desk.post(url + "device/", {"serial": "CD9999999999"})
    assert (
        wrong_place.status_code == 400
        and b"No device has that serial number" in wrong_place.content
    )
    assert desk.post(url + "device/", {"serial": token.serial.lower()}).status_code == 302
    page = display.get("/display/").content.decode()
    assert "Activate your code display" in page and token.serial in page
    assert "Press the button on the code display" in page
    assert 'name="password"' in page  # the citizen has no password yet: it is chosen here
    passwords = {"password": SECRET, "password_again": SECRET}
    wrong = answer(display, {"code": token.wrong_code(), **passwords})
    assert wrong.status_code == 400 and b"The code is not correct" in wrong.content
    assert answer(display, {"code": token.code(clock()), **passwords}).status_code == 302
    identity_verify_password(identity_id=citizen.identity.pk, password=SECRET, now=clock())
    authenticator = Authenticator.objects.get(identity=citizen.identity, status="active")
    assert authenticator.device.serial == token.serial
    assert StockedDevice.objects.get().handed_over_at is not None
    assert [line.count for line in stock_at(CENTRE) if line.kind == "code_display"] == [0]


def test_a_device_of_another_centre_is_not_handed_over(staff, desk, clock):
    citizen = make_person("kaj-k", kinds=())
    token = make_device("code_display")
    stock_deliver(centre="aarhus", kind="code_display", count=1, now=clock(), actor="pia")
    url = identified(desk, citizen.identity.person.cpr)
    paired(desk, url)
    refused = desk.post(url + "device/", {"serial": token.serial})
    assert refused.status_code == 400 and b"not in this centre" in refused.content


def test_an_app_activation_code_is_shown_on_the_display_once_and_only_there(staff, desk):
    citizen = make_person("alma-a")
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    response = desk.post(url + "app-code/")
    assert response.status_code == 302
    first = display.get("/display/").content.decode()
    code = re.search(r'class="pairing-code">([A-Z0-9-]{14})<', first)
    assert code and ActivationCode.objects.filter(identity=citizen.identity).count() == 1
    assert code.group(1) not in desk.get(url).content.decode()
    again = display.get("/display/").content.decode()
    assert code.group(1) not in again and "The code was shown once" in again
    assert "code" not in CustomerDisplay.objects.get().prompt_data


def test_ending_the_visit_clears_the_display(staff, desk):
    citizen = make_person("anton-a")
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    desk.post(url + "display/ask/", {"prompt": "password"})
    assert desk.post(url + "end/").status_code == 302
    page = display.get("/display/").content.decode()
    assert "The code from the desk" in page and 'name="password"' not in page
    assert CustomerDisplay.objects.get().prompt == ""


def test_a_display_pairs_only_with_the_live_code_and_few_tries(staff, desk, clock):
    cache.clear()
    citizen = make_person("pia-p")
    url = identified(desk, citizen.identity.person.cpr)
    code = pairing_code(desk, url)
    display = screen()
    wrong = "000000" if code != "000000" else "111111"
    refused = display.post("/display/", {"code": wrong})
    assert refused.status_code == 400 and b"No desk shows that code" in refused.content
    for _ in range(CLAIMS_PER_ADDRESS - 1):
        display.post("/display/", {"code": wrong})
    stopped = display.post("/display/", {"code": code})
    assert stopped.status_code == 400 and b"Too many wrong codes" in stopped.content
    assert CustomerDisplay.objects.get().paired_at is None
    cache.clear()


def test_a_pairing_code_runs_out(staff, desk, clock):
    citizen = make_person("per-p")
    url = identified(desk, citizen.identity.person.cpr)
    code = pairing_code(desk, url)
    clock.advance(timedelta(minutes=PAIRING_MINUTES, seconds=1))
    assert screen().post("/display/", {"code": code}).status_code == 400
    assert b"Pair a customer display" in desk_login(staff.operator).get(url).content


def test_a_display_answers_only_the_question_it_showed(staff, desk):
    citizen = make_person("otto-o")
    other = make_person("olga-other")
    url = identified(desk, citizen.identity.person.cpr)
    display = paired(desk, url)
    nothing = display.post("/display/", {"password": SECRET, "password_again": SECRET})
    assert nothing.status_code == 400 and b"Nothing is asked here" in nothing.content
    desk.post(url + "display/ask/", {"prompt": "password"})
    shown = display.get("/display/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', shown)
    assert version
    # The operator turns to another person's visit and asks again before the citizen answers.
    other_url = identified(desk, other.identity.person.cpr)
    desk.post(other_url + "display/ask/", {"prompt": "password"})
    late = display.post(
        "/display/", {"password": SECRET, "password_again": SECRET, "version": version.group(1)}
    )
    assert late.status_code == 400
    stranger = screen()
    refused = stranger.post("/display/", {"password": SECRET, "password_again": SECRET})
    assert refused.status_code == 400 and b"No desk shows that code" in refused.content
    assert not Approval.objects.exists()


@pytest.mark.parametrize("prompt", ["password", "new_identity"])
def test_the_desk_asks_nothing_before_the_document(staff, desk, prompt):
    citizen = make_person("ulla-u")
    url = desk.post("/desk/visits/", {"cpr": citizen.identity.person.cpr})["Location"]
    response = desk.post(url + "display/ask/", {"prompt": prompt})
    assert response.status_code in (400, 404)
    assert (
        identity_verify_password(
            identity_id=citizen.identity.pk, password=PASSWORD, now=datetime.now(UTC)
        )
        is None
    )


def test_a_pickup_order_is_handed_over_to_the_person_it_is_for(staff, desk, clock):
    from segl.audit.models import AuditEvent
    from segl.orders.models import Order
    from segl.orders.services import order_advance, order_place

    citizen, other = make_person("olga-o"), make_person("oskar-o")
    token = make_device("code_display")
    order = order_place(
        key="pickup-olga",
        kind="code_display",
        person=citizen.identity.person,
        identified_by="login",
        delivery="pickup",
        centre=CENTRE,
        now=clock(),
    )
    for step in ("packed", "ready_for_pickup"):
        order_advance(reference=order.reference, to=step, now=clock(), actor="pia")
    not_theirs = identified(desk, other.identity.person.cpr)
    assert order.reference not in desk.get(not_theirs).content.decode()
    assert desk.post(not_theirs + "pickup/", {"reference": order.reference}).status_code == 400
    url = identified(desk, citizen.identity.person.cpr)
    assert token.serial in desk.get(url).content.decode()
    assert desk.post(url + "pickup/", {"reference": order.reference}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == "collected"
    event = AuditEvent.objects.filter(action="order.hand_over").get()
    assert (event.actor, event.data["centre"], event.data["document"]) == (
        "ole-operator",
        CENTRE,
        "passport DNK 207112233",
    )


def test_purge_deletes_run_out_offers_and_displays_no_desk_uses(staff, desk, clock):
    from segl.centres.display import displays_purge

    citizen = make_person("pelle-p")
    url = identified(desk, citizen.identity.person.cpr)
    pairing_code(desk, url)  # an offer nobody takes
    clock.advance(timedelta(hours=2))
    desk = desk_login(staff.operator)
    display = paired(desk, identified(desk, make_person("paula-p").identity.person.cpr))
    assert displays_purge(now=clock(), keep=timedelta(hours=1)) == {"customer_displays": 1}
    assert b"Welcome to Borgerservice Vesterbro" in display.get("/display/").content
