"""Every desk page and every state of the customer display passes axe-core in Danish and English
without sideways scrolling; the desk's own steps work with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from segl.centres.models import Approval
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import BASE_URL, Device, PageReport, desk_login, tab_to

pytestmark = pytest.mark.e2e

FRIDA_CPR, ANNA_CPR = "1710905678", "0103804001"


def submit(page: Page, form: str = "main") -> None:
    """The form's own button (the language switch in the header is a form too)."""
    page.locator(f"{form} button[type=submit]").first.click()


def other_screen(browser: Browser, journal: Journal, language: str, width: int) -> Page:
    context = browser.new_context(base_url=BASE_URL, viewport={"width": width, "height": 800})
    context.set_default_timeout(10_000)
    set_language(context, language)
    journal.attach(context)
    return context.new_page()


def device_of(page: Page, demo: Demo, user_id: str) -> Device:
    serial = demo.serials[(user_id, "code_display")]
    return Device(page.context, serial, demo.device_dir / f"{serial}.json")


@pytest.mark.parametrize(("language", "width"), [("da", 640), ("en", 1000)], ids=["da", "en"])
def test_every_desk_page_passes_axe(
    page: Page, demo: Demo, journal: Journal, browser: Browser, language: str, width: int
) -> None:
    set_language(page.context, language)
    page.set_viewport_size({"width": width, "height": 800})
    report = PageReport(themes=language == "da")
    page.goto("/desk/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    report.check(page, "login")

    desk_login(page, device_of(page, demo, "demo-olivia"), "demo-olivia")
    report.check(page, "home")
    page.locator("#cpr").fill("12")
    submit(page, "form[action$='/desk/visits/']")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "home with an error")
    page.locator("#cpr").fill(FRIDA_CPR)
    submit(page, "form[action$='/desk/visits/']")
    report.check(page, "visit: the document")
    page.locator("#number").fill("207889900")
    page.locator("#expiry").fill("2020-01-01")
    submit(page, "form[action$='/document/']")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "visit: an expired document")
    page.locator("#number").fill("207889900")
    page.locator("#expiry").fill("2031-05-01")
    submit(page, "form[action$='/document/']")
    report.check(page, "visit: identified, no display")

    display = other_screen(browser, journal, language, width)
    display.goto("/display/")
    report.check(display, "display: the code form")
    display.locator("#code").fill("12")
    submit(display)
    expect(display.locator("[data-error-summary]")).to_be_visible()
    report.check(display, "display: a wrong code")
    submit(page, "form[action$='/display/']")
    report.check(page, "visit: a pairing code")
    display.locator("#code").fill(page.locator("[data-pairing-code]").inner_text().replace(" ", ""))
    submit(display)
    expect(display.locator("#code")).to_have_count(0)
    report.check(display, "display: welcome")
    report.check(page, "visit: display paired")
    page.locator("button[value='new_identity']").click()
    expect(display.locator("#user_id")).to_be_visible()
    report.check(display, "display: user ID and password")
    display.locator("#user_id").fill("frida-a11y")
    display.locator("#password").fill("a long desk passphrase")
    display.locator("#password_again").fill("not the same")
    submit(display)
    expect(display.locator("[data-error-summary]")).to_be_visible()
    report.check(display, "display: passwords differ")
    display.locator("#password_again").fill("a long desk passphrase")
    display.locator("#password").fill("a long desk passphrase")
    submit(display)
    report.check(display, "display: done, waiting for approval")
    report.check(page, "visit: waiting for approval")

    second = other_screen(browser, journal, language, width)
    desk_login(second, device_of(second, demo, "demo-sune"), "demo-sune")
    report.check(second, "home with a request waiting")
    approval = Approval.objects.get()
    second.goto(f"/desk/approvals/{approval.pk}/")
    report.check(second, "approval")
    page.goto(f"/desk/approvals/{approval.pk}/")
    page.locator("button[value='approve']").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "approval refused to the one who asked")
    second.locator("button[value='approve']").click()
    expect(second.locator(".notice")).to_be_visible()

    page.go_back()
    page.goto(page.url.replace(f"/desk/approvals/{approval.pk}/", "/desk/"))
    page.locator("a[href*='/desk/visits/']").first.click()
    report.check(page, "visit: the new identity")
    page.locator("#serial").fill("CD0")
    submit(page, "form[action$='/device/']")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "visit: an unknown serial")
    page.locator("form[action$='/app-code/'] button").click()
    expect(display.locator(".pairing-code")).to_be_visible()
    report.check(display, "display: the app's activation code")
    submit(display)
    page.locator("button[value='password']").click()
    expect(display.locator("#password")).to_be_visible()
    report.check(display, "display: a new password")

    for path, name in (("/desk/stock/", "stock"), ("/desk/reviews/", "face reviews")):
        page.goto(path)
        report.check(page, name)
    for path, name in (("/desk/log/", "centre log"), ("/desk/staff/", "staff")):
        second.goto(path)
        report.check(second, name)
    second.goto("/desk/log/?since=2000-01-01&actor=olivia")
    report.check(second, "centre log, filtered")
    page.goto("/desk/fulfilment/")
    report.check(page, "forbidden (no fulfilment role)")

    packer = other_screen(browser, journal, language, width)
    desk_login(packer, device_of(packer, demo, "demo-ole"), "demo-ole")
    report.check(packer, "fulfilment")
    report.assert_clean()
    assert journal.errors == []


def test_the_desk_by_keyboard_alone(page: Page, demo: Demo, journal: Journal) -> None:
    """Look a person up, record the document, ask for a second operator: Tab, type, Enter."""
    set_language(page.context, "en")
    desk_login(page, device_of(page, demo, "demo-olivia"), "demo-olivia")
    page.locator("h1").focus()
    tab_to(page, lambda f: f["id"] == "cpr")
    page.keyboard.type(ANNA_CPR)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Anna Jensen")
    tab_to(page, lambda f: f["id"] == "number")
    assert page.locator("#kind-passport").is_checked()
    page.keyboard.type("206112233")
    tab_to(page, lambda f: f["id"] == "expiry")
    page.keyboard.type("01052031")
    page.keyboard.press("Enter")
    expect(page.get_by_text("The document is recorded.")).to_be_visible()
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Lift the password lock")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Asked. Another operator or a supervisor")).to_be_visible()
    assert Approval.objects.get().action == "lift_lock"
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "End the visit")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Desk")
    assert re.search(r"/desk/$", page.url)
    tab_to(page, lambda f: f["href"] == "#main", limit=1)  # a new page starts at its skip link
    assert journal.errors == []
