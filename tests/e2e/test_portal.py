"""The self-service portal in Chromium, as citizens and an operator use it: ordering three ways,
pickup, fulfilment to delivery, activation with a code from the emulator (which retires the old
device), reporting a device lost, and "This was not me"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from segl.authenticators.models import Authenticator
from segl.demo import DEMO_PASSWORD
from segl.notify.models import OutboxMessage
from segl.orders.models import Order
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import Device, desk_login

pytestmark = pytest.mark.e2e

ANNA_CPR, ANNA_PASSPORT = "0103804001", "206112233"
NEW_PASSWORD = "my new device passphrase"
ORDER_URL = re.compile(r"/portal/orders/[A-Z0-9]{8}/$")


def portal_login(page: Page, device: Device, user_id: str) -> None:
    """Log in to the portal: it sends the browser to segl and back, like any RP."""
    page.goto("/portal/")
    page.get_by_role("button", name="Log in with segl").click()
    expect(page.locator(".rp-name")).to_have_text("segl self-service")
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Continue").click()
    code = device.press()
    page.bring_to_front()
    page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My segl")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in with segl")).to_be_visible()


def choose_order(page: Page, kind: str = "Code display", delivery: str = "By post") -> None:
    page.get_by_role("link", name="Order a device").first.click()
    page.get_by_label(kind, exact=True).check()
    page.get_by_label(delivery, exact=True).check()


def test_order_while_logged_in_is_free(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    portal_login(page, demo.device("demo-anna"), "demo-anna")
    choose_order(page)
    expect(page.get_by_text("You order as Anna Jensen, logged in with segl.")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check and confirm your order")
    expect(page.locator("[data-price]")).to_have_text("Free")
    expect(page.locator("[data-expected]")).to_contain_text("Between")
    expect(page.get_by_text("Nørregade 1, 1165 København K")).to_be_visible()
    page.get_by_role("button", name="Confirm order").click()

    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("[data-status]")).to_have_text("Code display: Ordered")
    order = Order.objects.get()
    assert (order.identified_by, order.price_ore) == ("login", 0)
    page.get_by_role("link", name="My segl").click()
    expect(page.get_by_text(f"order {order.reference}: Ordered")).to_be_visible()
    assert journal.errors == []


def test_order_with_cpr_and_passport_number(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    page.goto("/portal/")
    choose_order(page, kind="Audio code reader")
    page.get_by_label("With my CPR number and my Danish or Greenlandic passport number").check()
    page.get_by_label("CPR number", exact=True).fill(ANNA_CPR)
    page.get_by_label("Passport number", exact=True).fill(ANNA_PASSPORT)
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("[data-price]")).to_have_text("Free")
    expect(page.get_by_text("Anna Jensen", exact=True)).to_be_visible()
    page.get_by_role("button", name="Confirm order").click()
    expect(page).to_have_url(ORDER_URL)
    order = Order.objects.get()
    assert (order.identified_by, order.kind, order.person.cpr) == (
        "passport",
        "audio_code_reader",
        ANNA_CPR,
    )
    assert journal.errors == []


def test_anonymous_order_is_paid(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    page.goto("/portal/order/")
    page.get_by_label("Code display", exact=True).check()
    page.get_by_label("Not at all (then you pay for the device)").check()
    page.get_by_label("By post", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    # Without a name and an address there is nothing to send it to.
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Enter the name it is sent to")
    summary.get_by_role("link", name="Enter the address it is sent to").click()
    expect(page.get_by_label("Address")).to_be_focused()

    page.get_by_label("Name").fill("Ida Berg")
    page.get_by_label("Address").fill("Torvet 2\n4000 Roskilde")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-price]")).to_have_text("41.76 DKK")
    page.get_by_role("button", name="Order and pay 41.76 DKK").click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.get_by_text("awaiting payment")).to_be_visible()
    assert Order.objects.get().payment == "invoiced"
    assert journal.errors == []


def test_pickup_order(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    portal_login(page, demo.device("demo-carla"), "demo-carla")
    choose_order(page, delivery="Collect it at a citizen service centre (Borgerservice)")
    page.get_by_label("Citizen service centre", exact=True).select_option("aalborg")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Collect it at Borgerservice Aalborg")).to_be_visible()
    expect(page.get_by_text("Valid ID with a photo")).to_be_visible()
    page.get_by_role("button", name="Confirm order").click()
    expect(page).to_have_url(ORDER_URL)
    assert Order.objects.get().centre == "aalborg"
    assert journal.errors == []


@pytest.mark.parametrize("kind", ["code_display", "audio_code_reader"])
def test_fulfilment_to_delivery_then_activation_retires_the_old_device(
    page: Page, demo: Demo, journal: Journal, kind: str
) -> None:
    name, question, title = {
        "code_display": (
            "Code display",
            "Do you have a code display?",
            "Activate your code display",
        ),
        "audio_code_reader": (
            "Audio code reader",
            "Do you have an audio code reader?",
            "Activate your audio code reader",
        ),
    }[kind]
    set_language(page.context, "en")
    old_serial = demo.serials[("demo-anna", "code_display")]
    portal_login(page, demo.device("demo-anna"), "demo-anna")
    choose_order(page, name)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm order").click()
    expect(page).to_have_url(ORDER_URL)
    reference = Order.objects.get().reference
    log_out(page)

    # Fulfilment, at the desk, packs, sends and delivers it.
    desk_login(page, demo.device("demo-ole"), "demo-ole")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fulfilment")
    for step in ("Packed", "Shipped", "Delivered"):
        page.get_by_role("button", name=f"{step} {reference}").click()
        expect(page.get_by_text(f"Order {reference} updated.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    order = Order.objects.select_related("device").get()
    serial = order.device.serial
    assert OutboxMessage.objects.filter(purpose="order_shipped", to="+4520000001").exists()

    # Anna has it: she activates it with her CPR and passport numbers and a code it shows or
    # reads aloud (seed 000: "Do you have an audio code reader?", Yes, activate).
    page.goto("/portal/activate/")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(question)
    page.get_by_role("link", name="Yes, activate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    if kind == "audio_code_reader":
        expect(page.get_by_text("You can feel the button: it has one raised dot.")).to_be_visible()
    page.get_by_label("CPR number", exact=True).fill(ANNA_CPR)
    page.get_by_label("Passport number", exact=True).fill(ANNA_PASSPORT)
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_label("Serial number").fill(serial)
    device = Device(page.context, serial, demo.device_dir / f"{serial}.json")
    code = device.press_red() if kind == "audio_code_reader" else device.press()
    page.bring_to_front()
    page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Activate").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your device is activated")
    active = Authenticator.objects.get(identity__user_id="demo-anna", kind=kind, status="active")
    assert active.device.serial == serial
    previous = page.get_by_text(f"Your previous one ({old_serial}) can no longer be used")
    if kind == "code_display":
        # One active device of a kind: the new code display replaces the old one.
        expect(previous).to_be_visible()
        assert Authenticator.objects.get(device__serial=old_serial).status == "retired"
    else:
        # An audio code reader is another kind: her code display goes on working.
        expect(previous).to_have_count(0)
        assert Authenticator.objects.get(device__serial=old_serial).status == "active"
    assert journal.errors == []


def test_report_lost_then_a_login_with_it_fails(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    serial = demo.serials[("demo-anna", "code_display")]
    portal_login(page, demo.device("demo-anna"), "demo-anna")
    expect(page.get_by_text("Have a spare segl")).to_be_visible()
    page.get_by_role("link", name=f"Manage code display {serial}").click()
    page.get_by_role("link", name="Report lost").click()
    page.get_by_role("button", name="Yes, block it").click()
    expect(page.get_by_text("It has been blocked.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(serial))).to_contain_text("Suspended")
    log_out(page)

    page.goto("/demo-bank/")
    page.get_by_role("button", name="Log in with segl").click()
    page.get_by_label("User ID").fill("demo-anna")
    page.get_by_role("button", name="Continue").click()
    # The code step looks as it would for anyone (decision 17); the blocked device's code fails.
    page.get_by_label("One-time code").fill(demo.device("demo-anna").press())
    page.bring_to_front()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_code-error")).to_contain_text("The one-time code is not correct")
    assert journal.errors == []


def test_this_was_not_me(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    anna = demo.device("demo-anna")
    # Someone logs in to Demo Bank as Anna.
    page.goto("/demo-bank/")
    page.get_by_role("button", name="Log in with segl").click()
    page.get_by_label("User ID").fill("demo-anna")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("One-time code").fill(anna.press())
    page.bring_to_front()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/demo-bank/callback/?*")

    portal_login(page, anna, "demo-anna")
    page.get_by_role("link", name="History").click()
    row = page.get_by_role("row", name=re.compile("Demo Bank"))
    row.get_by_role("link", name=re.compile("This was not me")).click()
    page.get_by_role("button", name="Report and block").click()
    expect(page.get_by_text("What was used has been blocked")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Demo Bank"))).to_contain_text("Reported")
    device = Authenticator.objects.get(identity__user_id="demo-anna", kind="code_display")
    assert device.status == "suspended"
    assert journal.errors == []
