"""The segl app in a phone-sized browser context, beside the login page in a desktop one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.support import BASE_URL

PHONE = {
    "viewport": {"width": 412, "height": 839},
    "device_scale_factor": 2.625,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36"
    ),
}


def phone_context(browser: Browser, language: str = "en") -> BrowserContext:
    context = browser.new_context(base_url=BASE_URL, locale="da-DK", **PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": BASE_URL}])
    context.set_default_timeout(10_000)
    return context


def last_sms_pin(phone: str) -> str:
    from segl.notify.models import OutboxMessage

    sms = OutboxMessage.objects.filter(to=phone, purpose="temporary_pin").latest("id")
    return sms.text.split("pinkode er ")[1][:6]


@dataclass
class PhoneApp:
    """The app page on the phone, driven as the citizen would."""

    page: Page

    def activate(self, user_id: str, code: str, phone: str, pin: str) -> None:
        page = self.page
        page.goto("/app/")
        page.get_by_role("link", name="I have an activation code").click()
        page.get_by_label("User ID").fill(user_id)
        page.get_by_label("Activation code").fill(code)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Create your PIN code")
        page.get_by_label("Temporary PIN code").fill(last_sms_pin(phone))
        page.get_by_label("PIN code", exact=True).fill(pin)
        page.get_by_label("Repeat the PIN code").fill(pin)
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up notifications")
        page.get_by_role("button", name="Not now").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your segl app is activated")
        page.get_by_role("link", name="OK").click()

    def unlock(self, pin: str) -> None:
        page = self.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your PIN code")
        page.get_by_label("PIN code", exact=True).fill(pin)
        page.get_by_role("button", name="Unlock").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ready to approve")

    def scan_from(self, login: Page, tmp: Path) -> None:
        """Scan the login page's QR code: a screenshot of it, chosen as a picture."""
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Scan the QR code")
        shot = qr_screenshot(login.locator("img[data-qr]"), tmp)
        self.page.get_by_label("Scan from a picture").set_input_files(shot)

    def swipe(self) -> None:
        """Drag the handle to the end of its track, as a finger would."""
        handle = self.page.locator("[data-approve]")
        box = handle.bounding_box()
        track = self.page.locator(".swipe__track").bounding_box()
        assert box and track
        y = box["y"] + box["height"] / 2
        self.page.mouse.move(box["x"] + 10, y)
        self.page.mouse.down()
        self.page.mouse.move(track["x"] + track["width"] - 5, y, steps=8)
        self.page.mouse.up()


def issue_activation_code(user_id: str) -> str:
    from segl.app.services import activation_code_issue
    from segl.identities.models import Identity

    identity = Identity.objects.get(user_id=user_id)
    return activation_code_issue(identity=identity, now=datetime.now(UTC), issued_by="e2e")


def qr_screenshot(locator, tmp: Path) -> str:
    shot = tmp / f"qr-{datetime.now(UTC).timestamp()}.png"
    locator.screenshot(path=str(shot))
    return str(shot)
