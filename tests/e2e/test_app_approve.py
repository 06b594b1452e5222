"""Approving in the app takes a completed, deliberate gesture (decision 22): a swipe to the end
of the track with a finger or the mouse, or the labelled "Approve without swiping" button and
its confirmation. A tap, a swipe let go early or dragged back, and a stray Enter approve nothing.

Touch is real touch (DevTools touch events in a phone context with a touch screen), so the
browser's own gesture handling (``touch-action``) is part of what is tested. Where nothing may
be approved, the test shows that the request is still waiting on the server and that the app
sent no answer, and then approves it after all: a request answered by mistake could not be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.app_support import (
    PhoneApp,
    handle_and_travel,
    issue_activation_code,
    phone_context,
    pointer,
    slide,
    swipe,
)
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import focused, leave, tab_to
from tests.e2e.test_app import PIN, anna_phone, start_login

pytestmark = pytest.mark.e2e

ANSWER = re.compile(r"/app/api/requests/[^/]+/answer$")


@dataclass
class Review:
    """The app showing a login to approve, and the login page waiting for it."""

    app: Page
    login: Page
    request_id: str
    home: float  # the handle's left edge at rest
    answers: list[str] = field(default_factory=list)

    def record(self, request: Request) -> None:
        if ANSWER.search(request.url):
            self.answers.append(request.url)


@pytest.fixture
def review(browser: Browser, page: Page, demo: Demo, journal: Journal, tmp_path: Path):
    from segl.app.models import AppRequest

    context = phone_context(browser, journal)
    phone = PhoneApp(context.new_page())
    try:
        set_language(page.context, "en")
        phone.activate("demo-anna", issue_activation_code("demo-anna"), anna_phone(), PIN)
        phone.unlock(PIN)
        start_login(page, "demo-anna")
        phone.scan_from(page, tmp_path)
        app = phone.page
        expect(app.locator("h1")).to_have_text("Can you approve?")
        expect(app.locator("h1")).to_be_focused()
        expect(page.locator("[data-app-step][data-state=bound]")).to_be_visible()
        request = AppRequest.objects.filter(identity__user_id="demo-anna").latest("created_at")
        assert request.status == AppRequest.Status.BOUND
        handle = app.locator("[data-swipe-handle]").bounding_box()
        assert handle
        found = Review(app=app, login=page, request_id=request.id, home=handle["x"])
        app.on("request", found.record)
        yield found
        assert journal.errors == []
    finally:
        for open_page in (page, phone.page):
            leave(open_page)
        context.close()


def handle_offset(review: Review) -> float:
    box = review.app.locator("[data-swipe-handle]").bounding_box()
    assert box
    return box["x"] - review.home


def wait_for_handle_at(review: Review, offset: float) -> None:
    """Until the handle rests (no transition under way) ``offset`` pixels from home."""
    review.app.wait_for_function(
        """([home, offset]) => {
          const handle = document.querySelector("[data-swipe-handle]");
          const left = handle.getBoundingClientRect().left;
          return Math.abs(left - home - offset) < 1 && !handle.getAnimations().length;
        }""",
        arg=[review.home, offset],
    )


def assert_still_waiting(review: Review) -> None:
    """Nothing was approved: the handle is back home, the app still asks, every button still
    works (answering disables them first), no answer went out, and the server and the login
    page still wait for one."""
    from segl.app.models import AppRequest

    app = review.app
    wait_for_handle_at(review, 0)
    expect(app.locator("h1")).to_have_text("Can you approve?")
    expect(app.get_by_role("button", name="Reject")).to_be_enabled()
    expect(app.get_by_role("button", name="Approve without swiping")).to_be_enabled()
    expect(app.locator("[data-error-summary]")).to_have_count(0)
    assert review.answers == []
    assert AppRequest.objects.get(id=review.request_id).status == AppRequest.Status.BOUND
    expect(review.login.locator("[data-app-step]")).to_have_attribute("data-state", "bound")


def assert_approved(review: Review) -> None:
    from segl.app.models import AppRequest

    expect(review.app.locator("h1")).to_have_text("Approved")
    review.login.wait_for_url("**/demo-bank/callback/?*")
    expect(review.login.locator("[data-verified]")).to_be_visible()
    assert len(review.answers) == 1, review.answers
    assert AppRequest.objects.get(id=review.request_id).status == AppRequest.Status.APPROVED


def watch_pointers(app: Page) -> None:
    app.evaluate(
        """() => {
          window.pointerKinds = [];
          addEventListener("pointerdown", (event) => pointerKinds.push(event.pointerType), true);
        }"""
    )


def pointers_seen(app: Page) -> list[str]:
    return app.evaluate("() => window.pointerKinds")


def test_a_full_touch_swipe_approves(review: Review) -> None:
    """(a) The handle has most of the track to travel, and a finger taking it to the end
    approves; the login in the other browser moves on."""
    track = review.app.locator("[data-swipe]").bounding_box()
    assert track
    _, _, travel = handle_and_travel(review.app)
    assert travel >= track["width"] / 2, f"the handle can travel only {travel} px"
    watch_pointers(review.app)
    swipe(review.app, by="touch")
    assert_approved(review)
    assert pointers_seen(review.app) == ["touch"]


def test_a_tap_does_not_approve(review: Review) -> None:
    """(b) A tap on the handle, by finger or mouse, approves nothing."""
    x, y, _ = handle_and_travel(review.app)
    review.app.touchscreen.tap(x, y)
    assert_still_waiting(review)
    finger = pointer(review.app, "touch")
    finger.down(x, y)
    finger.up()
    assert_still_waiting(review)
    review.app.mouse.click(x, y)
    assert_still_waiting(review)
    swipe(review.app, by="touch")
    assert_approved(review)


@pytest.mark.parametrize("by", ["touch", "mouse"])
def test_an_aborted_swipe_does_not_approve(review: Review, by: str) -> None:
    """(c) 20 px out, back again, let go: the handle followed and returns, nothing approved."""
    x, y, _ = handle_and_travel(review.app)
    hand = pointer(review.app, by)
    hand.down(x, y)
    slide(hand, x, y, 0, 20)
    wait_for_handle_at(review, 20)
    slide(hand, x, y, 20, 0)
    hand.up()
    assert_still_waiting(review)
    swipe(review.app, by=by)
    assert_approved(review)


def test_a_swipe_let_go_before_the_end_does_not_approve(review: Review) -> None:
    """(d) Let go at two thirds of the way, or at the end after dragging back to half way:
    the handle returns and nothing is approved, with a finger or the mouse."""
    x, y, travel = handle_and_travel(review.app)
    for by in ("touch", "mouse"):
        hand = pointer(review.app, by)
        hand.down(x, y)
        slide(hand, x, y, 0, travel * 2 / 3)
        wait_for_handle_at(review, travel * 2 / 3)
        hand.up()
        assert_still_waiting(review)

        hand = pointer(review.app, by)
        hand.down(x, y)
        slide(hand, x, y, 0, travel + 10)
        wait_for_handle_at(review, travel)
        slide(hand, x, y, travel + 10, travel / 2)
        hand.up()
        assert_still_waiting(review)
    swipe(review.app, by="touch")
    assert_approved(review)


def test_a_full_mouse_drag_approves(review: Review) -> None:
    """(e) The mouse takes the same path as a finger."""
    watch_pointers(review.app)
    swipe(review.app, by="mouse")
    assert_approved(review)
    assert pointers_seen(review.app) == ["mouse"]


def test_tab_and_enter_from_the_heading_does_not_approve(review: Review) -> None:
    """(f) Tab from the heading and Enter, even twice, only opens the question; it is focused,
    so a screen reader reads it, and it is not a button."""
    app = review.app
    app.keyboard.press("Tab")
    first = focused(app)
    assert first and first["text"] == "Approve without swiping", first
    app.keyboard.press("Enter")
    question = app.locator("[data-approve-question]")
    expect(question).to_be_focused()
    expect(question).to_have_text("Do you approve the request from Demo Bank?")
    app.keyboard.press("Enter")
    app.keyboard.press("Space")
    expect(question).to_be_focused()
    assert_still_waiting(review)
    swipe(app, by="touch")
    assert_approved(review)


def test_the_explicit_keyboard_action_approves(review: Review) -> None:
    """(g) "Approve without swiping", then "Yes, approve", by keyboard only; Cancel on the way
    closes the question and gives focus back, approving nothing."""
    app = review.app
    start = app.get_by_role("button", name="Approve without swiping")
    expect(start).to_have_attribute("aria-expanded", "false")
    tab_to(app, lambda f: f["text"] == "Approve without swiping", limit=1)
    app.keyboard.press("Enter")
    expect(start).to_have_attribute("aria-expanded", "true")
    tab_to(app, lambda f: f["text"] == "Cancel", limit=2)
    app.keyboard.press("Enter")
    expect(start).to_be_focused()
    expect(start).to_have_attribute("aria-expanded", "false")
    expect(app.get_by_role("button", name="Yes, approve")).to_be_hidden()
    assert_still_waiting(review)

    app.keyboard.press("Enter")
    expect(app.locator("[data-approve-question]")).to_be_focused()
    tab_to(app, lambda f: f["text"] == "Yes, approve", limit=1)
    app.keyboard.press("Enter")
    assert_approved(review)


def test_approve_without_swiping_by_touch(review: Review) -> None:
    """The single-pointer alternative to the swipe (WCAG 2.5.1): two taps, on two labelled
    buttons."""
    app = review.app
    app.get_by_role("button", name="Approve without swiping").tap()
    expect(app.locator("[data-approve-question]")).to_be_focused()
    assert_still_waiting(review)
    app.get_by_role("button", name="Yes, approve").tap()
    assert_approved(review)
