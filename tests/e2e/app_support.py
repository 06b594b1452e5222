"""The segl app in a phone-sized browser context, beside the login page in a desktop one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import Journal
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


def phone_context(browser: Browser, journal: Journal, language: str = "en") -> BrowserContext:
    context = browser.new_context(base_url=BASE_URL, locale="da-DK", **PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": BASE_URL}])
    context.set_default_timeout(10_000)
    journal.attach(context)
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
        """Drag the handle to the end of its track with a finger."""
        swipe(self.page, by="touch")


def handle_and_travel(app: Page) -> tuple[float, float, float]:
    """The handle's middle (x, y) in the window and how far it can travel along the track, in
    CSS pixels; scrolled into view first, as a citizen would."""
    app.locator("[data-swipe]").scroll_into_view_if_needed()
    handle = app.locator("[data-swipe-handle]").bounding_box()
    track = app.locator("[data-swipe]").bounding_box()
    assert handle and track
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    # The handle starts as far from the track's left edge as it may end from the right one.
    travel = track["width"] - handle["width"] - 2 * (handle["x"] - track["x"])
    return x, y, travel


class Finger:
    """One finger on the touch screen: real touch events through the DevTools protocol
    (Playwright's touchscreen only taps)."""

    def __init__(self, app: Page) -> None:
        self.cdp = app.context.new_cdp_session(app)

    def _send(self, kind: str, points: list[dict[str, float]]) -> None:
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def down(self, x: float, y: float) -> None:
        self._send("touchStart", [{"x": x, "y": y}])

    def move(self, x: float, y: float) -> None:
        self._send("touchMove", [{"x": x, "y": y}])

    def up(self) -> None:
        self._send("touchEnd", [])
        self.cdp.detach()


class Mouse:
    """The mouse, pressed and released with the main button."""

    def __init__(self, app: Page) -> None:
        self.mouse = app.mouse

    def down(self, x: float, y: float) -> None:
        self.mouse.move(x, y)
        self.mouse.down()

    def move(self, x: float, y: float) -> None:
        self.mouse.move(x, y)

    def up(self) -> None:
        self.mouse.up()


def pointer(app: Page, by: str) -> Finger | Mouse:
    return Finger(app) if by == "touch" else Mouse(app)


def slide(hand: Finger | Mouse, x: float, y: float, start: float, end: float) -> None:
    """Move from start to end (offsets from x) in eight steps, as a hand does."""
    for step in range(1, 9):
        hand.move(x + start + (end - start) * step / 8, y)


def swipe(app: Page, *, by: str) -> None:
    """A whole swipe: from the handle to a little past the end of the track, then let go."""
    x, y, travel = handle_and_travel(app)
    hand = pointer(app, by)
    hand.down(x, y)
    slide(hand, x, y, 0, travel + 10)
    hand.up()


def issue_activation_code(user_id: str) -> str:
    from segl.app.services import activation_code_issue
    from segl.identities.models import Identity

    identity = Identity.objects.get(user_id=user_id)
    return activation_code_issue(identity=identity, now=datetime.now(UTC), issued_by="e2e")


def qr_screenshot(locator, tmp: Path) -> str:
    shot = tmp / f"qr-{datetime.now(UTC).timestamp()}.png"
    locator.screenshot(path=str(shot))
    return str(shot)
