"""The segl app end to end (seeds 002, 003, 004): the app on a phone-sized page, the login page
on a computer-sized one, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.app_support import (
    PhoneApp,
    issue_activation_code,
    last_sms_pin,
    phone_context,
    qr_screenshot,
    swipe,
)
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import leave

pytestmark = pytest.mark.e2e

PIN = "2580"


def start_login(page: Page, user_id: str, button: str = "Log in with segl") -> None:
    """Demo Bank's ``button`` (a login, or "Approve a transfer with segl"), up to the app step."""
    page.goto("/demo-bank/")
    page.get_by_role("button", name=button).click()
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Continue").click()
    if not page.locator("[data-app-step]").count():
        page.get_by_role("link", name="Change identification method").click()
        page.get_by_label("segl app").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-app-step]")).to_be_visible()


@pytest.fixture
def phone(browser: Browser, demo: Demo, journal: Journal):
    context = phone_context(browser, journal)
    yield PhoneApp(context.new_page())
    context.close()


@pytest.fixture(autouse=True)
def _pages_stop_before_the_database(page: Page, phone: PhoneApp):
    """Both pages long-poll the live server; stop them before the test database goes away."""
    yield
    for open_page in (page, phone.page):
        leave(open_page)


def anna_phone() -> str:
    from segl.identities.models import Identity

    return Identity.objects.get(user_id="demo-anna").person.phone


def test_approve_a_login_by_scanning_the_qr_code(
    page: Page, phone: PhoneApp, demo: Demo, journal: Journal, tmp_path: Path
):
    set_language(page.context, "en")
    phone.activate("demo-anna", issue_activation_code("demo-anna"), anna_phone(), PIN)
    phone.unlock(PIN)

    start_login(page, "demo-anna")
    expect(page.get_by_text("Scan the QR code with the app.")).to_be_visible()
    phone.scan_from(page, tmp_path)

    app = phone.page
    expect(app.get_by_role("heading", level=1)).to_have_text("Can you approve?")
    expect(app.locator(".rp-name")).to_contain_text("Demo Bank")
    phone.swipe()
    expect(app.get_by_role("heading", level=1)).to_have_text("Approved")

    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.locator("[data-verified]")).to_be_visible()
    amr = page.locator('[data-claim="amr"]').inner_text()
    assert "swk" in amr and "pin" in amr, amr
    assert journal.errors == []


def activated_phone(phone: PhoneApp) -> PhoneApp:
    phone.activate("demo-anna", issue_activation_code("demo-anna"), anna_phone(), PIN)
    phone.unlock(PIN)
    return phone


def test_reject_in_the_app(page: Page, phone: PhoneApp, demo: Demo, tmp_path: Path):
    set_language(page.context, "en")
    activated_phone(phone)
    start_login(page, "demo-anna")
    phone.scan_from(page, tmp_path)
    phone.page.get_by_role("button", name="Reject").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Rejected")
    expect(page.get_by_text("You rejected the request in the app.")).to_be_visible()


def test_i_did_not_start_this(page: Page, phone: PhoneApp, demo: Demo, tmp_path: Path):
    from segl.audit.models import AuditEvent

    set_language(page.context, "en")
    activated_phone(phone)
    start_login(page, "demo-anna")
    phone.scan_from(page, tmp_path)
    phone.page.get_by_role("button", name="I did not start this").click()
    phone.page.get_by_role("button", name="Yes, report it").click()
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    expect(page.get_by_text("You told us that you did not start this.")).to_be_visible()
    assert AuditEvent.objects.filter(action="fraud.report", subject="demo-anna").count() == 1


def test_one_time_codes_after_the_24_hour_wait(
    page: Page, phone: PhoneApp, demo: Demo, journal: Journal
):
    """Seed 003: switch to one-time codes, wait 24 hours (the app's clock is moved), confirm,
    then log in by typing the browser's 4-digit code into the app."""
    from datetime import timedelta

    from segl import clock

    set_language(page.context, "en")
    app = activated_phone(phone).page
    app.get_by_role("link", name="App settings").click()
    app.get_by_label("One-time codes").check()
    app.get_by_role("button", name="Save").click()
    # The wait in hours, and the time it ends.
    expect(app.locator("[data-pending-change]")).to_contain_text(
        "For your safety, the switch waits 24 hours: you can confirm it here from"
    )
    expect(app.get_by_label("QR codes")).to_be_checked()
    try:
        clock.move(timedelta(hours=24))
        app.reload()
        app.get_by_role("button", name="Confirm one-time codes").click()
        # A day later the app must be unlocked again before it changes anything; the change
        # asked for is made after the PIN, not forgotten.
        app.get_by_label("PIN code", exact=True).fill(PIN)
        app.get_by_role("button", name="Unlock").click()
        expect(app.get_by_label("One-time codes")).to_be_checked()
        expect(app.locator("[data-pending-change]")).to_have_count(0)
    finally:
        clock.reset()

    start_login(page, "demo-anna")
    code = page.locator(".one-time-code span[aria-hidden]").inner_text()
    assert re.fullmatch(r"[0-9]{4}", code), code
    # The QR code is shown too: the page does not tell which mode the app is in (decision 17).
    expect(page.locator("img[data-qr]")).to_be_visible()

    app.get_by_role("link", name="Back").click()
    app.get_by_role("link", name="Use the app as demo-anna").click()
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_role("button", name="Unlock").click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Enter the one-time code")
    app.get_by_label("One-time code").fill(code)
    app.get_by_role("button", name="Next").click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Can you approve?")
    swipe(app, by="mouse")
    expect(app.get_by_role("heading", level=1)).to_have_text("Approved")
    page.wait_for_url("**/demo-bank/callback/?*")
    assert journal.errors == []


def test_same_device_opens_the_app_and_returns(phone: PhoneApp, demo: Demo, journal: Journal):
    """Seed 004: the login on the phone itself; a button opens the app, and afterwards the
    citizen is back in the browser, logged on."""
    activated_phone(phone)
    login = phone.page.context.new_page()
    start_login(login, "demo-anna")
    login.get_by_role("link", name="Open the segl app").click()
    expect(login.get_by_role("heading", level=1)).to_have_text("Enter your PIN code")
    login.get_by_label("PIN code", exact=True).fill(PIN)
    login.get_by_role("button", name="Unlock").click()
    expect(login.get_by_role("heading", level=1)).to_have_text("Can you approve?")
    swipe(login, by="touch")
    login.wait_for_url("**/demo-bank/callback/?*")
    expect(login.locator("[data-verified]")).to_be_visible()
    assert journal.errors == []


def test_copy_to_another_phone(
    browser: Browser, phone: PhoneApp, demo: Demo, journal: Journal, tmp_path: Path
):
    old = activated_phone(phone).page
    new_context = phone_context(browser, journal)
    new = new_context.new_page()
    try:
        old.get_by_role("link", name="App settings").click()
        old.get_by_role("link", name="Show QR code").click()
        expect(old.get_by_role("img", name=re.compile("QR code for the new app"))).to_be_visible()

        new.goto("/app/")
        new.get_by_role("link", name="Copy from another segl app").click()
        new.get_by_label("Scan from a picture").set_input_files(
            qr_screenshot(old.locator(".qr img"), tmp_path)
        )
        code = new.locator("[data-proximity]").inner_text().strip()
        assert re.fullmatch(r"[0-9]{6}", code), code
        # The old app notices the scan by itself.
        expect(old.locator("[data-copy-status]")).to_have_text(
            "The new app has scanned the QR code. Enter the code it shows below."
        )

        old.get_by_label("Enter the code shown on the new phone or tablet").fill(code)
        old.get_by_role("button", name="Continue").click()
        expect(old.locator("[data-copy-status]")).to_contain_text(
            "Continue on the new phone or tablet"
        )

        new.get_by_label("User ID").fill("demo-anna")
        new.get_by_role("button", name="I have entered the code").click()
        expect(new.get_by_role("heading", level=1)).to_have_text("Create your PIN code")
        new.get_by_label("Temporary PIN code").fill(last_sms_pin(anna_phone()))
        new.get_by_label("PIN code", exact=True).fill("1357")
        new.get_by_label("Repeat the PIN code").fill("1357")
        new.get_by_role("button", name="Continue").click()
        new.get_by_role("button", name="Not now").click()
        expect(new.get_by_role("heading", level=1)).to_have_text("Your segl app is activated")
        # ... and that the copy is done, without being touched.
        expect(old.get_by_role("heading", level=1)).to_have_text("The new app is activated.")
        expect(old.locator("[data-copy-status]")).to_have_count(0)
    finally:
        new.goto("about:blank")
        new_context.close()


def test_unlock_with_biometrics(page: Page, phone: PhoneApp, demo: Demo, tmp_path: Path):
    """Seed 002: choose biometrics at activation (Chromium's virtual platform authenticator
    stands in for the fingerprint reader), then unlock with it and approve."""
    set_language(page.context, "en")
    app = phone.page
    cdp = app.context.new_cdp_session(app)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    app.goto("/app/")
    app.get_by_role("link", name="I have an activation code").click()
    app.get_by_label("User ID").fill("demo-anna")
    app.get_by_label("Activation code").fill(issue_activation_code("demo-anna"))
    app.get_by_role("button", name="Continue").click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Create your PIN code")
    app.get_by_label("Temporary PIN code").fill(last_sms_pin(anna_phone()))
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_label("Repeat the PIN code").fill(PIN)
    app.get_by_role("button", name="Continue").click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Use fingerprint or face recognition?")
    app.get_by_role("button", name="Use fingerprint or face recognition").click()
    app.get_by_role("button", name="Not now").click()
    app.get_by_role("link", name="OK").click()
    app.get_by_role("button", name="Use fingerprint or face recognition").click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Ready to approve")

    start_login(page, "demo-anna")
    phone.scan_from(page, tmp_path)
    phone.swipe()
    page.wait_for_url("**/demo-bank/callback/?*")
    amr = page.locator('[data-claim="amr"]').inner_text()
    assert "user" in amr and "pin" not in amr, amr


def test_the_app_speaks_danish_from_the_catalogue_with_trusted_types_required(
    browser: Browser, demo: Demo, journal: Journal
):
    """The app's words come from segl's message catalogue in the page's language, and the page
    runs with Trusted Types required: an HTML sink refuses a string, and the harness hears of
    the refusal (which is why no other test can pass with one)."""
    context = phone_context(browser, journal, "da")
    app = context.new_page()
    try:
        response = app.goto("/app/")
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "require-trusted-types-for 'script'; trusted-types segl-app" in csp
        expect(app.get_by_role("heading", level=1)).to_have_text("Aktivér dit segl")
        app.get_by_role("link", name="Jeg har en aktiveringskode").click()
        app.get_by_label("Bruger-ID").fill("demo-anna")
        app.get_by_label("Aktiveringskode").fill("ABCD-EFGH-JKLM")
        app.get_by_role("button", name="Fortsæt").click()
        expect(app.locator("[data-error-summary] h2")).to_have_text("Der er et problem")
        expect(app.locator("[data-error-summary] li")).to_have_text(
            "Bruger-ID eller aktiveringskode er forkert, eller koden er brugt."
        )
        expect(app.get_by_role("link", name="Tilbage")).to_be_visible()
        assert journal.violations == []

        refused = app.evaluate(
            """() => { try { document.body.innerHTML = "<b>markup</b>"; return false; }
                       catch (error) { return error instanceof TypeError; } }"""
        )
        assert refused, "innerHTML took a string: Trusted Types are not required"
        expect(app.locator("[data-error-summary]")).to_be_visible()
        for _ in range(50):
            if journal.violations:
                break
            app.wait_for_timeout(100)
        assert len(journal.violations) == 1, journal.violations
        assert "require-trusted-types-for" in journal.violations[0]
        journal.violations.clear()  # the one refusal this test asked for
    finally:
        app.goto("about:blank")
        context.close()
