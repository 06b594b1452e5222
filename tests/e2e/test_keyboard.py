"""The same login with the keyboard only: Tab, Shift+Tab, Enter, Space and typing, never a
click, and focus always visible and where a keyboard user expects it (WCAG 2.1.1, 2.4.3,
2.4.7, 3.3.1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from segl.demo import DEMO_PASSWORD
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import NSIS_SUBSTANTIAL, Device, focused, tab_to

pytestmark = pytest.mark.e2e


def press_emulator_button(tab: Page) -> None:
    tab_to(tab, lambda f: f["tag"] == "button" and f["text"] == "Press")
    tab.keyboard.press("Enter")


def test_log_in_by_keyboard_only(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    anna = demo.device("demo-anna")
    page.goto("/demo-bank/")

    # The first stop is the skip link; it moves focus to the main content.
    tab_to(page, lambda f: f["href"] == "#main", limit=1)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, lambda f: f["value"] == "log_on")
    tab_to(page, lambda f: f["value"] == "transfer", limit=1)
    tab_to(page, lambda f: f["value"] == "log_on", limit=1, key="Shift+Tab")
    page.keyboard.press("Space")

    # segl's user ID page.
    user_id = page.locator("#id_user_id")
    expect(user_id).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_user_id")
    page.keyboard.type("demo-anna")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Continue", limit=1)
    tab_to(page, lambda f: f["id"] == "id_user_id", limit=1, key="Shift+Tab")
    page.keyboard.press("Enter")

    # A wrong code: the error summary takes focus, and its link takes focus to the field.
    code_field = page.locator("#id_code")
    expect(code_field).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_code")
    page.keyboard.type(anna.wrong_code())
    page.keyboard.press("Enter")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    summary = focused(page)
    assert summary is not None and summary["summary"], f"focus is on {summary}, not the summary"
    assert summary["indicator"], f"the focused error summary does not look focused: {summary}"
    link = tab_to(page, lambda f: f["tag"] == "a", limit=1)
    assert link["href"] == "#id_code" and "not correct" in link["text"], link
    page.keyboard.press("Enter")
    expect(code_field).to_be_focused()
    field = focused(page)
    assert field is not None and field["id"] == "id_code", f"the link left focus on {field}"

    # The code display's emulator in a second tab, its button pressed by keyboard.
    code = anna.read_code(press_emulator_button)
    page.bring_to_front()
    assert (focused(page) or {}).get("id") == "id_code"
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(code)
    page.keyboard.press("Enter")

    # The password, then the shield, then Demo Bank.
    expect(page.locator("#id_password")).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".done img[src$='tick.svg']")).to_be_visible()
    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Anna Jensen")
    expect(page.locator('[data-claim="acr"]')).to_have_text(NSIS_SUBSTANTIAL)
    amr = set(re.findall(r"[a-z]+", page.locator('[data-claim="amr"]').inner_text()))
    assert {"otp", "pwd"} <= amr, amr
    assert journal.errors == []


def test_log_in_with_the_audio_code_reader_by_keyboard_only(
    page: Page, demo: Demo, journal: Journal
) -> None:
    """Seed 000's login, by keyboard: the user ID, "Change identification method", the audio
    code reader, its red button (R) in the emulator's tab, the code, the password."""
    set_language(page.context, "en")
    reader = demo.device("demo-bo", "audio_code_reader")
    page.goto("/demo-bank/")
    tab_to(page, lambda f: f["value"] == "log_on")
    page.keyboard.press("Enter")
    expect(page.locator("#id_user_id")).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_user_id")
    page.keyboard.type("demo-bo")
    page.keyboard.press("Enter")

    # The first time: change the method to the audio code reader.
    expect(page.locator("#id_code")).to_be_visible()
    tab_to(page, lambda f: f["text"] == "Change identification method")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change identification method")
    chosen = tab_to(page, lambda f: f["tag"] == "input")
    while chosen["value"] != "audio_code_reader":
        page.keyboard.press("ArrowDown")
        chosen = focused(page) or {}
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Continue")
    page.keyboard.press("Enter")
    expect(page.get_by_text("You can feel the button: it has one raised dot.")).to_be_visible()

    # The reader: R is its red button.
    reader.move_to_fresh_step()
    tab = reader.tab()
    tab.keyboard.press("r")
    expect(tab.locator("[data-lcd]")).to_have_text(re.compile(r"^[0-9]{6}$"))
    code = reader.lcd()
    page.bring_to_front()
    tab_to(page, lambda f: f["id"] == "id_code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#id_password")).to_be_visible()
    tab_to(page, lambda f: f["id"] == "id_password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Bo Nielsen")
    assert journal.errors == []


def test_activate_an_audio_code_reader_in_the_portal_by_keyboard_only(
    page: Page, demo: Demo, journal: Journal
) -> None:
    """Seed 000's activation on the portal, by keyboard: "Do you have an audio code reader?",
    Yes, activate, the CPR and passport numbers, a password, the serial, the code read aloud."""
    from datetime import UTC, datetime

    from segl.identities.models import Identity
    from segl.orders.services import order_advance, order_place

    anna = Identity.objects.get(user_id="demo-anna").person
    order = order_place(
        key="keyboard-reader",
        kind="audio_code_reader",
        person=anna,
        now=datetime.now(UTC),
        identified_by="login",
        delivery="post",
        address="",
        recipient="",
    )
    for step in ("packed", "shipped", "delivered"):
        order = order_advance(reference=order.reference, to=step, now=datetime.now(UTC), actor="t")
    serial = order.device.serial

    set_language(page.context, "en")
    page.goto("/portal/activate/")
    tab_to(page, lambda f: f["text"] == "Audio code reader", limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Do you have an audio code reader?")
    tab_to(page, lambda f: f["text"] == "Yes, activate", limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate your audio code reader")
    for field, text in (
        ("id_cpr", "0103804001"),
        ("id_passport", "206112233"),
        ("id_new_password", "a reader's own passphrase"),
        ("id_confirm_password", "a reader's own passphrase"),
        ("id_serial", serial),
    ):
        tab_to(page, lambda f, wanted=field: f["id"] == wanted, limit=40)
        page.keyboard.type(text)

    reader = Device(page.context, serial, demo.device_dir / f"{serial}.json")
    tab = reader.tab()
    tab.keyboard.press("r")
    expect(tab.locator("[data-lcd]")).to_have_text(re.compile(r"^[0-9]{6}$"))
    code = reader.lcd()
    page.bring_to_front()
    tab_to(page, lambda f: f["id"] == "id_code", limit=5)
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your device is activated")
    assert journal.errors == []
