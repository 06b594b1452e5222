"""The approval screen on a real phone (issue 13): at 320 px with 200 % text and at 400 % zoom
the text reflows without breaking numbers and the swipe stays in its track; the screen names
the user ID and asks to read a text only where there is one; "I did not start this" sits
under Reject, asks once, and says what happens next (the app, not the login page, says until
when no login can reach it); a picture of a QR code that is too old says what to do instead;
the file button is the app's own, in the page's language."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from segl import clock
from tests.e2e.app_support import (
    PhoneApp,
    handle_and_travel,
    issue_activation_code,
    last_sms_pin,
    phone_context,
    pointer,
    qr_screenshot,
    slide,
)
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import (
    PageReport,
    choose_file_by_keyboard,
    leave,
    listen_for_file_choosers,
    tab_to,
)
from tests.e2e.test_app import PIN, anna_phone, start_login

pytestmark = pytest.mark.e2e

AMOUNT = "1,250.00 DKK"  # in Demo Bank's transfer text


@pytest.fixture
def phone(browser: Browser, page: Page, demo: Demo, journal: Journal):
    context = phone_context(browser, journal)
    phone = PhoneApp(listen_for_file_choosers(context.new_page()))
    set_language(page.context, "en")
    phone.activate("demo-anna", issue_activation_code("demo-anna"), anna_phone(), PIN)
    phone.unlock(PIN)
    yield phone
    for open_page in (page, phone.page):
        leave(open_page)
    context.close()
    clock.reset()
    assert journal.errors == []


def start_transfer(page: Page) -> None:
    start_login(page, "demo-anna", "Approve a transfer with segl")


def sideways(app: Page) -> float:
    return app.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def lines_of(app: Page, text: str) -> int:
    """On how many lines ``text`` in the approval text is laid out (however it is marked up)."""
    return app.evaluate(
        """(wanted) => {
          const quote = document.querySelector(".approval-text");
          const whole = quote.textContent;
          const start = whole.indexOf(wanted);
          if (start < 0) { return -1; }
          const walker = document.createTreeWalker(quote, NodeFilter.SHOW_TEXT);
          const range = document.createRange();
          let at = 0, node;
          while ((node = walker.nextNode())) {
            const end = at + node.length;
            if (start >= at && start < end) { range.setStart(node, start - at); }
            if (start + wanted.length > at && start + wanted.length <= end) {
              range.setEnd(node, start + wanted.length - at);
            }
            at = end;
          }
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
            .map((r) => Math.round(r.top)));
          return tops.size;
        }""",
        text,
    )


def inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


@pytest.mark.parametrize(
    "text_size",
    [pytest.param(32, id="320px-200%-text"), pytest.param(16, id="320px-like-400%-zoom")],
)
def test_the_approval_reflows_on_a_narrow_screen_with_large_text(
    page: Page, phone: PhoneApp, tmp_path: Path, text_size: int
) -> None:
    """At 320 CSS pixels (a 1280 px window at 400 %), and there with the phone's text at
    200 %: nothing scrolls sideways, the amount stays on one line, the handle stays in its
    track with most of it to travel, and a finger still approves."""
    app = phone.page
    start_transfer(page)
    phone.scan_from(page, tmp_path)
    expect(app.locator("h1")).to_have_text("Can you approve?")
    app.set_viewport_size({"width": 320, "height": 640})
    cdp = app.context.new_cdp_session(app)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": text_size, "fixed": text_size}})
    app.wait_for_function(
        "(size) => getComputedStyle(document.documentElement).fontSize === `${size}px`",
        arg=text_size,
    )
    assert app.evaluate("() => document.documentElement.clientWidth") == 320
    assert sideways(app) <= 0, "the approval screen scrolls sideways"
    assert lines_of(app, AMOUNT) == 1, "the amount breaks across lines"
    track = app.locator("[data-swipe]").bounding_box()
    handle = app.locator("[data-swipe-handle]").bounding_box()
    assert track and handle and inside(handle, track), (handle, track)
    travel = track["width"] - handle["width"] - 2 * (handle["x"] - track["x"])
    assert travel >= track["width"] * 0.6, f"the handle can travel only {travel} of {track}"
    for button in ("Approve without swiping", "Reject", "I did not start this"):
        box = app.get_by_role("button", name=button).bounding_box()
        assert box and box["x"] + box["width"] <= 320.5, button
    # The questions the buttons open reflow too.
    for start in ("I did not start this", "Approve without swiping"):
        app.get_by_role("button", name=start).click()
        assert sideways(app) <= 0, f"{start}: the question scrolls sideways"
        app.get_by_role("button", name=start).click()

    # Past the end: the handle is still inside its track.
    app.locator("[data-swipe]").scroll_into_view_if_needed()
    handle = app.locator("[data-swipe-handle]").bounding_box()
    track = app.locator("[data-swipe]").bounding_box()
    assert handle and track
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    finger = pointer(app, "touch")
    finger.down(x, y)
    slide(finger, x, y, 0, travel + 40)
    moved = app.locator("[data-swipe-handle]").bounding_box()
    assert moved and inside(moved, track), (moved, track)
    finger.up()
    expect(app.locator("h1")).to_have_text("Approved")
    cdp.detach()


def test_the_swipe_shows_how_far_it_has_come(page: Page, phone: PhoneApp, tmp_path: Path):
    """The track fills behind the handle, says "Let go to approve" where letting go would
    approve, and empties again when the handle goes back; nothing is approved on the way."""
    app = phone.page
    start_login(page, "demo-anna")
    phone.scan_from(page, tmp_path)
    x, y, travel = handle_and_travel(app)
    fill = app.locator("[data-swipe-fill]")
    label = app.locator("[data-swipe-label]")
    at_rest = fill.bounding_box()
    assert at_rest
    hand = pointer(app, "mouse")
    hand.down(x, y)
    slide(hand, x, y, 0, travel / 2)
    expect(label).to_have_text("Swipe to approve")
    half = fill.bounding_box()
    assert half and half["width"] == pytest.approx(at_rest["width"] + travel / 2, abs=2)
    slide(hand, x, y, travel / 2, travel)
    expect(label).to_have_text("Let go to approve")
    expect(app.locator("[data-swipe]")).to_have_class(re.compile(r"\bis-ready\b"))
    slide(hand, x, y, travel, 0)
    expect(label).to_have_text("Swipe to approve")
    hand.up()
    expect(app.locator("h1")).to_have_text("Can you approve?")
    hand = pointer(app, "mouse")
    hand.down(x, y)
    slide(hand, x, y, 0, travel + 10)
    hand.up()
    expect(app.locator("h1")).to_have_text("Approved")


def test_the_screen_names_the_user_id_and_asks_to_read_only_a_text(
    page: Page, phone: PhoneApp, tmp_path: Path
):
    app = phone.page
    start_login(page, "demo-anna")
    phone.scan_from(page, tmp_path)
    expect(app.locator("[data-review-user-id]")).to_have_text("User ID: demo-anna")
    expect(app.locator(".approval-text")).to_have_count(0)
    hint = app.locator("[data-review-hint]")
    expect(hint).to_have_text(
        "Approve only if you started this yourself just now. If you did not, press "
        "I did not start this."
    )
    app.get_by_role("button", name="Reject").click()
    expect(app.locator("h1")).to_have_text("Rejected")
    # The login page says the answer, then shows the next page: let it, before the next login.
    expect(page.locator("[data-app-step][data-state=pending]")).to_have_count(0)
    app.get_by_role("link", name="OK").click()
    app.get_by_role("link", name="Use the app as demo-anna").click()
    phone.unlock(PIN)

    start_transfer(page)
    phone.scan_from(page, tmp_path)
    expect(app.locator("[data-review-user-id]")).to_have_text("User ID: demo-anna")
    expect(app.locator(".approval-text")).to_have_text(
        "Transfer 1,250.00 DKK to account 1234-567890 (Anna Jensen)"
    )
    expect(hint).to_contain_text("Always read the text before you approve.")


def test_i_did_not_start_this_asks_once_and_says_what_happens_next(
    page: Page, phone: PhoneApp, tmp_path: Path
):
    from segl.app.models import AppRequest
    from segl.audit.models import AuditEvent

    app = phone.page
    start_transfer(page)
    phone.scan_from(page, tmp_path)
    reject = app.get_by_role("button", name="Reject").bounding_box()
    report = app.get_by_role("button", name="I did not start this")
    below = report.bounding_box()
    assert reject and below
    assert below["y"] >= reject["y"] + reject["height"] and below["x"] == pytest.approx(reject["x"])

    # One tap only asks: the question is read out, and says what is blocked and for how long.
    report.tap()
    expect(report).to_have_attribute("aria-expanded", "true")
    question = app.get_by_text("Are you sure you did not start this?")
    expect(question).to_be_focused()
    expect(app.locator("#report-ask")).to_contain_text(
        "We will stop this login, and for the next 60 minutes no login can send requests to "
        "your segl app for demo-anna. We record your report and confirm it to you by SMS and "
        "e-mail."
    )
    assert AppRequest.objects.get(identity__user_id="demo-anna").status == "bound"
    app.locator("#report-ask").get_by_role("button", name="Cancel").click()
    expect(report).to_be_focused()
    expect(app.locator("#report-ask")).to_be_hidden()
    assert not AuditEvent.objects.filter(action="fraud.report").exists()

    report.click()
    app.get_by_role("button", name="Yes, report it").click()
    expect(app.locator("h1")).to_have_text("Thank you for telling us")
    expect(app.locator(".what-next")).to_contain_text(
        "The login was stopped. Nothing was approved."
    )
    expect(app.locator(".what-next")).to_contain_text(
        "no login can send requests to your segl app for demo-anna"
    )
    expect(page.get_by_text("You told us that you did not start this.")).to_be_visible()
    assert AuditEvent.objects.filter(action="fraud.report", subject="demo-anna").count() == 1

    # Whoever started it cannot simply try again: no request reaches the app, and their page
    # shows what it shows for a user ID without an app (decision 17). The app says until when.
    start_login(page, "demo-anna")
    expect(page.locator("img[data-qr]")).to_be_visible()
    expect(page.get_by_text("takes no login requests")).to_have_count(0)
    assert not AppRequest.objects.filter(identity__user_id="demo-anna", status="pending").exists()
    app.get_by_role("link", name="OK").click()
    app.get_by_role("link", name="Use the app as demo-anna").click()
    phone.unlock(PIN)
    expect(app.locator("[data-wait-status]")).to_contain_text(
        "no login can send requests to your segl app for demo-anna"
    )


def test_a_picture_too_old_says_to_take_it_at_once_or_use_one_time_codes(
    page: Page, phone: PhoneApp, tmp_path: Path
):
    app = phone.page
    start_login(page, "demo-anna")
    shot = qr_screenshot(page.locator("img[data-qr]"), tmp_path)
    clock.move(timedelta(seconds=40))  # the picture waited in the phone's gallery
    app.get_by_label("Scan from a picture").set_input_files(shot)
    summary = app.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Take the picture and choose it at once.")
    expect(summary).to_contain_text("switch the app to one-time codes")
    summary.get_by_role("link", name="Switch to one-time codes in App settings").click()
    expect(app.locator("h1")).to_have_text("Settings for demo-anna")
    expect(app.get_by_label("One-time codes")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "da"])
def test_the_file_button_is_the_apps_own(
    browser: Browser, demo: Demo, journal: Journal, language: str
):
    """Not the browser's "Choose File": a button of the app's, in the page's language (its
    words from the catalogue the page loaded), 44 px tall at least, that the keyboard reaches
    and that opens the file chooser."""
    context = phone_context(browser, journal, language)
    app = listen_for_file_choosers(context.new_page())
    try:
        app.goto("/app/#copy-new")
        button = app.locator("#picture-button")
        expect(button).to_be_visible()
        expect(app.locator("html")).to_have_attribute("lang", language)
        expect(app.locator("input[type=file]")).to_be_hidden()
        expect(button).to_have_text(app.evaluate("() => gettext('Choose a picture')"))
        box = button.bounding_box()
        assert box and box["height"] >= 44
        tab_to(app, lambda f: f["id"] == "picture-button")
        with app.expect_file_chooser() as chosen:
            app.keyboard.press("Enter")
        assert chosen.value.element.get_attribute("id") == "picture"
    finally:
        app.goto("about:blank")
        context.close()


def test_a_picture_chosen_by_keyboard_is_scanned(page: Page, phone: PhoneApp, tmp_path: Path):
    app = phone.page
    start_login(page, "demo-anna")
    shot = qr_screenshot(page.locator("img[data-qr]"), tmp_path)
    tab_to(app, lambda f: f["id"] == "picture-button")
    choose_file_by_keyboard(app, shot)
    expect(app.locator("h1")).to_have_text("Can you approve?")


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_new_screens_pass_axe_and_reflow(
    browser: Browser, page: Page, demo: Demo, journal: Journal, tmp_path: Path, language: str
):
    """The question "I did not start this" asks, what happens next, and a locked app."""
    report = PageReport(themes=language == "da")
    context = phone_context(browser, journal, language)
    phone = PhoneApp(context.new_page())
    app = phone.page
    try:
        set_language(page.context, "en")
        # Activate and unlock in the page's language, by the controls' places, not their words.
        app.goto("/app/#activate")
        app.locator("#user_id").fill("demo-anna")
        app.locator("#activation_code").fill(issue_activation_code("demo-anna"))
        app.locator("form[data-form] button[type=submit]").click()
        expect(app.locator("#temporary_pin")).to_be_visible()
        app.locator("#temporary_pin").fill(last_sms_pin(anna_phone()))
        app.locator("#pin").fill(PIN)
        app.locator("#pin_again").fill(PIN)
        app.locator("form[data-form] button[type=submit]").click()
        app.locator("button[value=later]").click()
        app.locator(".done a.button").click()
        app.locator("#pin").fill(PIN)
        app.locator("form[data-form] button[type=submit]").click()
        expect(app.locator("[role=status]")).to_be_visible()

        start_transfer(page)
        app.locator("#picture").set_input_files(
            qr_screenshot(page.locator("img[data-qr]"), tmp_path)
        )
        app.locator("[data-ask=report]").click()
        expect(app.locator("#report-ask")).to_be_visible()
        report.check(app, "review, I did not start this")
        app.locator("[data-yes=report]").click()
        expect(app.locator(".what-next")).to_be_visible()
        report.check(app, "what happens next")

        app.goto("/app/")
        app.locator("a[href^='#unlock/']").click()
        for _ in range(5):
            app.locator("#pin").fill("9999")
            app.locator("form[data-form] button[type=submit]").click()
            expect(app.locator("[data-error-summary], [data-refused]").first).to_be_visible()
        expect(app.locator("[data-refused]")).to_be_visible()
        report.check(app, "locked")
        report.assert_clean()
    finally:
        for open_page in (page, app):
            leave(open_page)
        context.close()
