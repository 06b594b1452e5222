"""The chip in Chromium, with the browser's virtual authenticator (DevTools' WebAuthn domain) as
the chip: ordered on the portal, packed and sent by fulfilment, activated on the portal, and
used to log in at Demo Bank at level High, by keyboard alone, for an identity proofed at High.
The demo's chips are of the virtual authenticator's model and its allow-list accepts that model;
a production list does not (decision 37)."""

from __future__ import annotations

import pytest
from playwright.sync_api import CDPSession, Page, expect

from segl.authenticators.models import Authenticator
from segl.centres.models import StockedDevice
from segl.core.assurance import Level
from segl.demo import DEMO_CENTRE
from segl.identities.models import Identity
from segl.orders.models import Order
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import PageReport, desk_login, tab_to
from tests.e2e.test_desk import pair_display, record_passport, screens, serve
from tests.e2e.test_portal import (
    ANNA_CPR,
    ANNA_PASSPORT,
    NEW_PASSWORD,
    ORDER_URL,
    choose_order,
    log_out,
    portal_login,
)

pytestmark = pytest.mark.e2e
__all__ = ["screens"]  # the desk tests' fixture: more browsers (a customer display)


def connect_virtual_chip(page: Page) -> CDPSession:
    """A FIDO2 security key on USB that answers at once, with its PIN verified."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": False,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return devtools


def test_order_activate_and_log_in_at_high_with_a_chip(
    page: Page, demo: Demo, journal: Journal
) -> None:
    set_language(page.context, "en")
    heading = page.get_by_role("heading", level=1)
    # Anna was proofed at High (in person, say): her chip, with her password, reaches High.
    Identity.objects.filter(user_id="demo-anna").update(ial="high")
    report = PageReport()

    # Anna orders a chip; fulfilment packs, sends and delivers it.
    anna = demo.device("demo-anna")  # one device, so its second code is from a later step
    portal_login(page, anna, "demo-anna")
    choose_order(page, "Chip")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Confirm order").click()
    expect(page).to_have_url(ORDER_URL)
    reference = Order.objects.get().reference
    log_out(page)
    desk_login(page, demo.device("demo-ole"), "demo-ole")
    for step in ("Packed", "Shipped", "Delivered"):
        page.get_by_role("button", name=f"{step} {reference}").click()
        expect(page.get_by_text(f"Order {reference} updated.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    serial = Order.objects.select_related("device").get().device.serial

    # "Do you have a chip?" Yes, activate, logged in: the password, the serial, then the chip.
    connect_virtual_chip(page)
    portal_login(page, anna, "demo-anna")
    page.goto("/portal/activate/?kind=chip")
    expect(heading).to_have_text("Do you have a chip?")
    page.get_by_role("link", name="Yes, activate").click()
    expect(heading).to_have_text("Activate your chip")
    report.check_in_both_languages(page, "activate a chip")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_label("Serial number").fill(serial)
    page.get_by_role("button", name="Continue").click()
    expect(heading).to_have_text("Connect your chip")
    report.check_in_both_languages(page, "connect the chip")
    page.get_by_role("button", name="Start").click()
    expect(heading).to_have_text("Your device is activated")
    expect(page.get_by_text("press Start and connect your chip")).to_be_visible()
    chip = Authenticator.objects.get(device__serial=serial)
    assert (chip.identity.user_id, chip.kind, chip.status, chip.level) == (
        "demo-anna",
        "chip",
        "active",
        "high",
    )

    # Demo Bank asks for High; the login by keyboard alone: the user ID, "Change identification
    # method" to the chip (the arrow keys in the list), the password, Start.
    page.goto("/demo-bank/")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Log in at level High")
    page.keyboard.press("Enter")
    expect(page.locator("#id_user_id")).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_user_id")
    page.keyboard.type("demo-anna")
    page.keyboard.press("Enter")
    expect(page.locator("a[href$='/method/']")).to_be_visible()  # at High, the app comes first
    tab_to(page, lambda f: f["tag"] == "a" and "Change identification method" in f["text"])
    page.keyboard.press("Enter")
    expect(page.locator("input[name=method]")).to_have_count(2)  # at High: the app, the chip
    tab_to(page, lambda f: f["value"] == "app")
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=method][value=chip]")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator("#id_password")).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_password")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Press the button on your chip.")).to_be_visible()
    report.check(page, "the chip's login step")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Start")
    page.keyboard.press("Enter")
    page.wait_for_url("**/demo-bank/callback/?*")
    expect(heading).to_have_text("Welcome, Anna Jensen")
    expect(page.locator('[data-claim="acr"]')).to_have_text(Level.HIGH.uri)
    expect(page.locator('[data-claim="amr"]')).to_contain_text("hwk")
    report.assert_clean()
    assert journal.errors == []


def test_a_chip_from_the_centres_shelf_is_activated_on_the_customer_display(
    page: Page, demo: Demo, journal: Journal, screens
) -> None:
    """Anna at the desk: the operator hands over a chip from the shelf; she connects it to the
    customer display (her password she has already), and logs in with it."""
    set_language(page.context, "en")
    desk, display = page, screens()
    report = PageReport(themes=False)
    desk_login(desk, demo.device("demo-olivia"), "demo-olivia")
    serve(desk, ANNA_CPR)
    record_passport(desk, ANNA_PASSPORT)
    pair_display(desk, display)
    serial = (
        StockedDevice.objects.filter(centre=DEMO_CENTRE, device__kind="chip", handed_over_at=None)
        .values_list("device__serial", flat=True)
        .first()
    )
    assert serial is not None
    desk.get_by_label("Hand over a device: serial number").fill(serial)
    desk.get_by_role("button", name="Hand over and activate").click()
    heading = display.get_by_role("heading", level=1)
    expect(heading).to_have_text("Activate your chip")
    expect(display.get_by_text(serial)).to_be_visible()
    display.get_by_role("button", name="Continue").click()
    expect(display.get_by_role("button", name="Start")).to_be_visible()
    report.check(display, "the display asks for the chip")
    connect_virtual_chip(display)
    display.get_by_role("button", name="Start").click()
    expect(
        display.get_by_text("Your device is activated. You can use it to log in.")
    ).to_be_visible()
    chip = Authenticator.objects.get(device__serial=serial)
    assert (chip.identity.user_id, chip.kind, chip.status) == ("demo-anna", "chip", "active")
    assert StockedDevice.objects.get(device__serial=serial).handed_over_at is not None
    report.assert_clean()
    assert journal.errors == []
