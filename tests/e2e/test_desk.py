"""The desk at Borgerservice Vesterbro in Chromium, with a browser for each screen: the operator's
desk, the customer display turned to the citizen, and a second operator's desk for dual control.

A walk-in with a passport leaves with a segl and a code display from the centre's stock, and logs
in at Demo Bank with it; an appointment booked on the portal is on the desk's list; a password
reset waits for a second operator, and the one who asked cannot approve it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from segl.audit.models import AuditEvent
from segl.centres.models import Approval, StockedDevice
from segl.centres.registry import ZONE
from segl.demo import DEMO_CENTRE, DEMO_PASSWORD
from segl.identities.models import Identity
from segl.identities.services import identity_verify_password
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import BASE_URL, Device, desk_login

pytestmark = pytest.mark.e2e

FRIDA = {"cpr": "1710905678", "passport": "207889900", "name": "Frida Holm"}
ANNA_CPR = "0103804001"
SECRET = "frida's own desk passphrase"


@pytest.fixture
def screens(browser: Browser, journal: Journal):
    """More browsers, each with its own cookies: a second operator's desk, a customer display."""
    opened: list[BrowserContext] = []

    def open_screen(language: str = "en") -> Page:
        context = browser.new_context(base_url=BASE_URL, viewport={"width": 1000, "height": 900})
        context.set_default_timeout(10_000)
        set_language(context, language)
        journal.attach(context)
        opened.append(context)
        return context.new_page()

    yield open_screen
    for context in opened:
        context.close()


def heading(page: Page):
    return expect(page.get_by_role("heading", level=1))


def pair_display(desk: Page, display: Page) -> None:
    """The desk shows a code on its own screen; it is typed on the display, at the desk."""
    display.goto("/display/")
    heading(display).to_have_text("Customer display")
    desk.get_by_role("button", name="Pair a customer display").click()
    code = desk.locator("[data-pairing-code]").inner_text().replace(" ", "")
    display.get_by_label("The code from the desk").fill(code)
    display.get_by_role("button", name="Pair").click()
    heading(display).to_have_text("Welcome to Borgerservice Vesterbro")
    # The desk follows by itself: it says the display is paired without a reload.
    expect(desk.get_by_text("Paired with your desk.")).to_be_visible()


def serve(desk: Page, cpr: str) -> None:
    desk.get_by_label("CPR number").fill(cpr)
    desk.get_by_role("button", name="Look up").click()


def record_passport(desk: Page, number: str) -> None:
    desk.get_by_label("Passport").check()
    desk.get_by_label("Document number").fill(number)
    desk.get_by_label("Issuing country").fill("DNK")
    desk.get_by_label("Valid until").fill("2031-05-01")
    desk.get_by_role("button", name="Record the document").click()
    expect(desk.get_by_text("The document is recorded.")).to_be_visible()


def approve_as_second(second: Page, what: str) -> None:
    second.goto("/desk/")
    second.get_by_role("link", name=what).click()
    expect(second.get_by_text("Passport DNK")).to_be_visible()
    second.get_by_role("button", name="Approve").click()
    expect(second.get_by_text("Done: Approved and done.")).to_be_visible()


def test_a_walk_in_with_a_passport_leaves_with_an_audio_code_reader_and_logs_in_at_demo_bank(
    page: Page, demo: Demo, journal: Journal, screens
) -> None:
    set_language(page.context, "en")
    desk, display, second = page, screens(), screens()
    desk_login(desk, demo.device("demo-olivia"), "demo-olivia")
    expect(desk.get_by_text("Borgerservice Vesterbro, demo-olivia")).to_be_visible()
    serve(desk, FRIDA["cpr"])
    heading(desk).to_have_text(FRIDA["name"])
    record_passport(desk, FRIDA["passport"])
    pair_display(desk, display)

    desk.get_by_role(
        "button", name="Create a segl: the citizen chooses a user ID and password"
    ).click()
    heading(display).to_have_text("Choose your user ID and password")
    display.get_by_label("User ID").fill("frida-h")
    display.get_by_label("Password", exact=True).fill(SECRET)
    display.get_by_label("Type the password again").fill(SECRET)
    display.get_by_role("button", name="Continue").click()
    expect(
        display.get_by_text("Thank you. A second member of staff approves it now.")
    ).to_be_visible()
    expect(desk.get_by_text("A second staff member must approve it now.")).to_be_visible()
    assert SECRET not in desk.content()

    desk_login(
        second,
        Device(
            second.context,
            demo.serials[("demo-sune", "code_display")],
            demo.device_dir / f"{demo.serials[('demo-sune', 'code_display')]}.json",
        ),
        "demo-sune",
    )
    approve_as_second(second, "Create an identity")
    frida = Identity.objects.get(user_id="frida-h")
    assert frida.ial == "high"

    desk.reload()
    expect(desk.get_by_text("frida-h (Active")).to_be_visible()
    stocked = (
        StockedDevice.objects.filter(
            centre=DEMO_CENTRE, device__kind="audio_code_reader", handed_over_at=None
        )
        .select_related("device")
        .first()
    )
    assert stocked is not None
    serial = stocked.device.serial
    desk.get_by_label("Hand over a device: serial number").fill(serial)
    desk.get_by_role("button", name="Hand over and activate").click()
    heading(display).to_have_text("Activate your audio code reader")
    expect(display.get_by_text(serial)).to_be_visible()
    expect(display.get_by_text("it has one raised dot")).to_be_visible()
    device = Device(display.context, serial, demo.device_dir / f"{serial}.json")
    code = device.press_red()
    display.bring_to_front()
    display.get_by_label("One-time code").fill(code)
    display.get_by_role("button", name="Activate").click()
    expect(
        display.get_by_text("Your device is activated. You can use it to log in.")
    ).to_be_visible()
    expect(desk.get_by_text("The device is activated.")).to_be_visible()

    # Frida, at home: Demo Bank with the audio code reader she was given and her password; the
    # login page tells her where the red button is, as seed 000 does.
    home = screens()
    home.goto("/demo-bank/")
    home.get_by_role("button", name="Log in with segl").click()
    home.get_by_label("User ID").fill("frida-h")
    home.get_by_role("button", name="Continue").click()
    at_home = Device(home.context, serial, demo.device_dir / f"{serial}.json", device.last_step)
    # Seed 000: the first time, choose the audio code reader under "Change identification method".
    home.get_by_role("link", name="Change identification method").click()
    home.get_by_label("Audio code reader").check()
    home.get_by_role("button", name="Continue").click()
    expect(home.get_by_text("You can feel the button: it has one raised dot.")).to_be_visible()
    code = at_home.press_red()
    home.bring_to_front()
    home.get_by_label("One-time code").fill(code)
    home.get_by_role("button", name="Continue").click()
    home.get_by_label("Password", exact=True).fill(SECRET)
    home.get_by_role("button", name="Continue").click()
    home.wait_for_url("**/demo-bank/callback/?*")
    heading(home).to_have_text("Welcome, Frida Holm")

    # Every desk action names who did it, where, and the document they checked.
    for action in ("desk.document", "desk.approval", "desk.handover"):
        event = AuditEvent.objects.filter(action=action).latest("id")
        assert event.data["centre"] == DEMO_CENTRE and "207889900" in event.data["document"]
        assert event.actor in ("demo-olivia", "demo-sune")
    assert journal.errors == []


def test_an_appointment_booked_on_the_portal_is_on_the_desks_list(
    page: Page, demo: Demo, journal: Journal, screens
) -> None:
    citizen = screens()
    citizen.goto("/portal/appointments/")
    citizen.get_by_label("Citizen service centre").select_option(DEMO_CENTRE)
    citizen.get_by_label("Activate the segl app").check()
    citizen.get_by_role("button", name="Show free times").click()
    heading(citizen).to_have_text("Choose a time")
    first_time = citizen.locator("input[name='starts_at']").first
    when = datetime.fromisoformat(first_time.get_attribute("value") or "").astimezone(ZONE)
    first_time.check()
    citizen.get_by_label("Your name").fill("Gustav Berg")
    citizen.get_by_label("Mobile number").fill("+4520000099")
    citizen.get_by_role("button", name="Book the time").click()
    heading(citizen).to_have_text("Your appointment")
    expect(citizen.get_by_text("Borgerservice Vesterbro")).to_be_visible()

    set_language(page.context, "en")
    desk_login(page, demo.device("demo-olivia"), "demo-olivia")
    page.get_by_label("Show the appointments of").fill(when.date().isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Gustav Berg"))
    expect(row).to_contain_text(when.strftime("%H:%M"))
    expect(row).to_contain_text("Activate the segl app")
    assert journal.errors == []


def test_a_password_reset_waits_for_a_second_operator_never_the_one_who_asked(
    page: Page, demo: Demo, journal: Journal, screens
) -> None:
    set_language(page.context, "en")
    desk, display, second = page, screens(), screens()
    olivia = demo.device("demo-olivia")
    desk_login(desk, olivia, "demo-olivia")
    serve(desk, ANNA_CPR)
    record_passport(desk, "206112233")
    pair_display(desk, display)
    desk.get_by_role("button", name="Reset the password").click()
    heading(display).to_have_text("Create a new password")
    display.get_by_label("Password", exact=True).fill("anna's brand new passphrase")
    display.get_by_label("Type the password again").fill("anna's brand new passphrase")
    display.get_by_role("button", name="Continue").click()
    expect(desk.get_by_text("A second staff member must approve it now.")).to_be_visible()

    # Olivia tries to approve her own request: refused, and the old password still works.
    desk.goto("/desk/")
    desk.get_by_role("link", name="Reset the password").click()
    desk.get_by_role("button", name="Approve").click()
    expect(desk.get_by_text("You asked for this yourself.")).to_be_visible()
    anna = Identity.objects.get(user_id="demo-anna")
    now = datetime.now(UTC)
    identity_verify_password(identity_id=anna.pk, password=DEMO_PASSWORD, now=now)
    assert Approval.objects.get().status == "pending"

    sune = demo.serials[("demo-sune", "code_display")]
    desk_login(second, Device(second.context, sune, demo.device_dir / f"{sune}.json"), "demo-sune")
    approve_as_second(second, "Reset the password")
    identity_verify_password(identity_id=anna.pk, password="anna's brand new passphrase", now=now)
    refused, done = AuditEvent.objects.filter(action="desk.approval").order_by("id")
    assert (refused.actor, refused.outcome) == ("demo-olivia", "same_person")
    assert (done.actor, done.data["asked_by"], done.outcome) == ("demo-sune", "demo-olivia", "ok")
    assert journal.errors == []
