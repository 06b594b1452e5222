"""The segl app end to end (seeds 002, 003, 004): the app on a phone-sized page, the login page
on a computer-sized one, in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.app_support import PhoneApp, issue_activation_code, phone_context
from tests.e2e.conftest import Demo, Journal, set_language

pytestmark = pytest.mark.e2e

PIN = "2580"


def start_login(page: Page, user_id: str) -> None:
    page.goto("/demo-bank/")
    page.get_by_role("button", name="Log in with segl").click()
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Continue").click()
    if not page.locator("[data-app-step]").count():
        page.get_by_role("link", name="Change identification method").click()
        page.get_by_label("segl app").check()
        page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-app-step]")).to_be_visible()


@pytest.fixture
def phone(browser: Browser, demo: Demo, journal: Journal):
    context = phone_context(browser)
    context.on("page", journal.watch)
    yield PhoneApp(context.new_page())
    context.close()


@pytest.fixture(autouse=True)
def _pages_stop_before_the_database(page: Page, phone: PhoneApp):
    """Both pages long-poll the live server; stop them before the test database goes away."""
    yield
    for open_page in (page, phone.page):
        if not open_page.is_closed():
            open_page.goto("about:blank")


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
    app.get_by_role("button", name=re.compile("Swipe to approve")).click()
    expect(app.get_by_role("heading", level=1)).to_have_text("Approved")

    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.locator("[data-verified]")).to_be_visible()
    amr = page.locator('[data-claim="amr"]').inner_text()
    assert "swk" in amr and "pin" in amr, amr
    assert journal.errors == []
