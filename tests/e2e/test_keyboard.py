"""The same login with the keyboard only: Tab, Shift+Tab, Enter, Space and typing, never a
click, and focus always visible and where a keyboard user expects it (WCAG 2.1.1, 2.4.3,
2.4.7, 3.3.1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from segl.demo import DEMO_PASSWORD
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import NSIS_SUBSTANTIAL, focused, tab_to

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
