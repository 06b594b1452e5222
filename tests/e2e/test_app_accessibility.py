"""The app's pages and the login page's app step: axe-core clean and reflowing, in Danish and
English; and a whole approval with the keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.app_support import issue_activation_code, last_sms_pin, phone_context, qr_screenshot
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import (
    PageReport,
    choose_file_by_keyboard,
    focused,
    leave,
    listen_for_file_choosers,
    tab_to,
)

pytestmark = pytest.mark.e2e

PIN = "2580"
APPROVE_WITHOUT_SWIPING = {
    "da": ("Godkend uden at swipe", "Ja, godkend"),
    "en": ("Approve without swiping", "Yes, approve"),
}


def anna_phone() -> str:
    from segl.identities.models import Identity

    return Identity.objects.get(user_id="demo-anna").person.phone


def submit(app: Page) -> None:
    app.locator("form[data-form] button[type=submit]").first.click()


def heading(app: Page) -> str:
    return app.locator("h1").inner_text()


def start_app_login(page: Page, user_id: str) -> None:
    page.goto("/demo-bank/")
    page.locator("button[name=purpose][value=log_on]").click()
    page.locator("#id_user_id").fill(user_id)
    page.locator("form[data-connecting] button[type=submit]").click()
    page.locator("a[href$='/method/']").click()
    page.locator("input[name=method][value=app]").check()
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("[data-app-step]")).to_be_visible()


@pytest.fixture
def phone(browser: Browser, demo: Demo, journal: Journal, request: pytest.FixtureRequest):
    contexts: list[BrowserContext] = []

    def make(language: str) -> Page:
        context = phone_context(browser, journal, language)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        for open_page in context.pages:
            leave(open_page)
        context.close()


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_app_page_passes_axe_and_reflows(
    page: Page, phone, demo: Demo, journal: Journal, language: str, tmp_path: Path
) -> None:
    report = PageReport(themes=language == "da")
    app = phone(language)
    set_language(page.context, language)

    app.goto("/app/")
    expect(app.locator("a[href='#activate']")).to_be_visible()
    report.check(app, "welcome")
    app.locator("a[href='#activate']").click()
    app.locator("#user_id").fill("demo-anna")
    app.locator("#activation_code").fill("WRONG-CODE-0000")
    submit(app)
    expect(app.locator("[data-error-summary]")).to_be_focused()
    report.check(app, "activation code, with an error")
    app.locator("#activation_code").fill(issue_activation_code("demo-anna"))
    submit(app)
    expect(app.locator("#temporary_pin")).to_be_visible()
    report.check(app, "create PIN")
    app.locator("#temporary_pin").fill(last_sms_pin(anna_phone()))
    app.locator("#pin").fill(PIN)
    app.locator("#pin_again").fill(PIN)
    submit(app)
    expect(app.locator("button[value=later]")).to_be_visible()
    report.check(app, "notifications")
    app.locator("button[value=later]").click()
    expect(app.locator(".done")).to_be_visible()
    report.check(app, "activated")
    app.locator(".done a.button").click()
    app.locator("#pin").fill("9999")
    submit(app)
    expect(app.locator("[data-error-summary]")).to_be_focused()
    report.check(app, "unlock, with an error")
    app.locator("#pin").fill(PIN)
    submit(app)
    expect(app.locator("[role=status]")).to_be_visible()
    report.check(app, "waiting")

    start_app_login(page, "demo-anna")
    report.check(page, "login: the app step with a QR code")
    expect(app.locator("#picture-button")).to_be_visible()
    report.check(app, "scan")
    app.locator("#picture").set_input_files(qr_screenshot(page.locator("img[data-qr]"), tmp_path))
    expect(app.locator("[data-swipe-handle]")).to_be_visible()
    report.check(app, "review")
    expect(page.locator("[data-app-step][data-state=bound]")).to_be_visible()
    report.check(page, "login: the app has the request")
    start, yes = APPROVE_WITHOUT_SWIPING[language]
    expect(app.locator("[data-approve-start]")).to_have_text(start)
    app.locator("[data-approve-start]").click()
    expect(app.locator("[data-approve-question]")).to_be_focused()
    expect(app.locator("[data-approve]")).to_have_text(yes)
    report.check(app, "review, approving without swiping")
    app.locator("[data-approve]").click()
    expect(app.locator(".done")).to_be_visible()
    report.check(app, "approved")

    app.goto("/app/")
    report.check(app, "user IDs in the app")
    app.locator("a[href^='#settings/']").click()
    expect(app.locator("#mode-code")).to_be_visible()
    report.check(app, "settings")
    app.locator("#mode-code").check()
    submit(app)
    # The approval used up the unlock: a change asks for the PIN first, then is made.
    app.locator("#pin").fill(PIN)
    submit(app)
    expect(app.locator("[data-pending-change]")).to_be_visible()
    report.check(app, "settings, a change waiting")
    app.locator("[data-ask=cancel-change]").click()
    expect(app.locator("#cancel-change-ask")).to_be_visible()
    report.check(app, "settings, cancelling the change asks first")
    app.locator("#cancel-change-ask button.button--secondary").click()
    app.locator("a[href^='#copy-old/']").click()  # unlocked by the PIN a moment ago
    expect(app.locator(".qr img")).to_be_visible()
    report.check(app, "copy: the old app's QR code")

    other = phone(language)
    other.goto("/app/#copy-new")
    expect(other.locator("#picture-button")).to_be_visible()
    report.check(other, "copy: the new app scans")
    other.locator("#picture").set_input_files(qr_screenshot(app.locator(".qr img"), tmp_path))
    expect(other.locator("[data-proximity]")).to_be_visible()
    report.check(other, "copy: the new app's code")

    app.goto("/app/#change-pin/demo-anna")
    expect(app.locator("#old_pin")).to_be_visible()
    report.check(app, "change PIN code")
    app.locator("#old_pin").fill("9999")
    app.locator("#pin").fill("1357")
    app.locator("#pin_again").fill("1357")
    submit(app)
    expect(app.locator("[data-error-summary]")).to_be_focused()
    report.check(app, "change PIN code, with an error")

    page.goto("/emulator/phone/")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".notice")).to_be_visible()
    report.check(page, "demo phone")
    page.goto("/")
    report.check(page, "front page")

    report.assert_clean()
    assert journal.errors == []


def test_approve_with_the_keyboard_only(
    page: Page, phone, demo: Demo, journal: Journal, tmp_path: Path
) -> None:
    app = listen_for_file_choosers(phone("en"))
    set_language(page.context, "en")
    app.goto("/app/")
    expect(app.locator("a[href='#activate']")).to_be_visible()

    tab_to(app, lambda f: f["href"] == "#activate")
    app.keyboard.press("Enter")
    expect(app.locator("h1")).to_be_focused()
    tab_to(app, lambda f: f["id"] == "user_id")
    app.keyboard.type("demo-anna")
    tab_to(app, lambda f: f["id"] == "activation_code", limit=1)
    app.keyboard.type(issue_activation_code("demo-anna"))
    app.keyboard.press("Enter")

    expect(app.locator("h1")).to_be_focused()
    tab_to(app, lambda f: f["id"] == "temporary_pin")
    app.keyboard.type(last_sms_pin(anna_phone()))
    tab_to(app, lambda f: f["id"] == "pin", limit=1)
    app.keyboard.type(PIN)
    tab_to(app, lambda f: f["id"] == "pin_again", limit=1)
    app.keyboard.type("1111")
    app.keyboard.press("Enter")
    # The two PINs differ: the error summary takes focus and its link leads to the field.
    expect(app.locator("[data-error-summary]")).to_be_focused()
    tab_to(app, lambda f: f["tag"] == "a", limit=1)
    app.keyboard.press("Enter")
    assert (focused(app) or {}).get("id") == "pin_again"
    # What was typed stays, but for the two PIN codes that did not match.
    expect(app.locator("#temporary_pin")).to_have_value(last_sms_pin(anna_phone()))
    expect(app.locator("#pin")).to_have_value("")
    tab_to(app, lambda f: f["id"] == "pin", key="Shift+Tab")
    app.keyboard.type(PIN)
    tab_to(app, lambda f: f["id"] == "pin_again", limit=1)
    app.keyboard.type(PIN)
    app.keyboard.press("Enter")

    expect(app.locator("h1")).to_have_text("Set up notifications")
    tab_to(app, lambda f: f["value"] == "later")
    app.keyboard.press("Enter")
    expect(app.locator("h1")).to_have_text("Your segl app is activated")
    tab_to(app, lambda f: f["tag"] == "a" and f["text"] == "OK")
    app.keyboard.press("Enter")
    expect(app.locator("h1")).to_have_text("Enter your PIN code")
    tab_to(app, lambda f: f["id"] == "pin")
    app.keyboard.type(PIN)
    app.keyboard.press("Enter")
    expect(app.locator("h1")).to_have_text("Ready to approve")

    start_app_login(page, "demo-anna")
    expect(app.locator("h1")).to_have_text("Scan the QR code")
    shot = qr_screenshot(page.locator("img[data-qr]"), tmp_path)
    tab_to(app, lambda f: f["id"] == "picture-button")
    choose_file_by_keyboard(app, shot, key="Enter")

    expect(app.locator("h1")).to_have_text("Can you approve?")
    tab_to(app, lambda f: f["tag"] == "button" and f["text"] == "Approve without swiping")
    app.keyboard.press("Enter")
    tab_to(app, lambda f: f["tag"] == "button" and f["text"] == "Yes, approve")
    app.keyboard.press("Enter")
    expect(app.locator("h1")).to_have_text("Approved")
    page.wait_for_url("**/demo-bank/callback/?*")
    assert journal.errors == []
