"""The login page's app step, for people who cannot see it change: the QR code can be stopped
(WCAG 2.2.2), the request's last minute and the app's answer are said in the status region
(4.1.3), and each step's heading takes focus (2.4.3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.app_support import PhoneApp
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.test_app import (  # noqa: F401 - fixtures
    _pages_stop_before_the_database,
    activated_phone,
    phone,
    start_login,
)

pytestmark = pytest.mark.e2e


def qr_source_after(page: Page, milliseconds: int) -> str:
    page.wait_for_timeout(milliseconds)
    return page.locator("img[data-qr]").get_attribute("src") or ""


def test_each_step_heading_takes_focus(page: Page, demo: Demo) -> None:
    set_language(page.context, "en")
    page.goto("/demo-bank/")
    page.get_by_role("button", name="Log in with segl").click()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    page.get_by_label("User ID").fill("demo-anna")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#id_code")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    # An error summary takes focus before the heading does.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()


def test_the_qr_code_can_be_stopped_and_started_again(
    page: Page,
    demo: Demo,
    journal: Journal,
    phone: PhoneApp,  # noqa: F811
) -> None:
    set_language(page.context, "en")
    start_login(page, "demo-anna")
    first = qr_source_after(page, 0)
    assert qr_source_after(page, 2500) != first, "the QR code does not change by itself"
    page.get_by_role("button", name="Stop the QR code changing").click()
    expect(page.locator("[data-qr-pause]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-app-status]")).to_have_text(
        "The QR code stands still. If the app says it is too old, let it change again, or use "
        "the one-time code."
    )
    still = qr_source_after(page, 200)
    assert qr_source_after(page, 2500) == still, "the QR code changed after it was stopped"
    page.get_by_role("button", name="Let the QR code change again").click()
    assert qr_source_after(page, 2500) != still
    assert journal.errors == []


def test_the_last_minute_of_the_request_is_said(
    page: Page,
    demo: Demo,
    phone: PhoneApp,  # noqa: F811
) -> None:
    set_language(page.context, "en")
    page.clock.install()
    start_login(page, "demo-anna")
    left = int(page.locator("[data-app-step]").get_attribute("data-seconds-left") or 0)
    assert left > 60
    status = page.locator("[data-app-status]")
    page.clock.fast_forward((left - 62) * 1000)
    expect(status).to_have_text("Waiting for the app…")
    page.clock.fast_forward(3000)
    expect(status).to_have_text("The request to your app expires in 1 minute.")


def test_the_apps_answer_is_said_before_the_next_page(
    page: Page,
    demo: Demo,
    phone: PhoneApp,  # noqa: F811
    tmp_path: Path,
) -> None:
    set_language(page.context, "en")
    activated_phone(phone)
    start_login(page, "demo-anna")
    step_url = page.url
    # Hold the next page back (unanswered, not refused: a refused one shows the browser's own
    # error page at once), so what the status region says can be read.
    held: list[Route] = []
    page.route(step_url, lambda route: held.append(route))
    phone.scan_from(page, tmp_path)
    phone.swipe()
    expect(page.locator("[data-app-status]")).to_have_text("The app has answered. Continuing…")
