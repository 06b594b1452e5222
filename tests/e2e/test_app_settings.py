"""The app's own screens on a real phone (issue 13): activating keeps what was typed and names
what is wrong; notifications left off are explained, whether the citizen said no or the phone
could not subscribe, and the settings can try again; a locked app says why and how on, with
its PIN field off; the PIN code can be changed; a change that needed the PIN is made after it;
cancelling a change and removing a user ID ask first."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, expect

from segl import clock
from tests.e2e.app_support import (
    PHONE,
    PhoneApp,
    issue_activation_code,
    last_sms_pin,
    phone_context,
)
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Demo, Journal
from tests.e2e.support import BASE_URL, leave, tab_to
from tests.e2e.test_app import PIN, anna_phone

pytestmark = pytest.mark.e2e


@pytest.fixture
def context(browser: Browser, demo: Demo, journal: Journal):
    context = phone_context(browser, journal)
    yield context
    for open_page in context.pages:
        leave(open_page)
    context.close()
    clock.reset()
    assert journal.errors == []


@pytest.fixture
def app(context: BrowserContext) -> Page:
    return context.new_page()


def heading(app: Page):
    return expect(app.locator("h1"))


def expect_errors(app: Page, errors: list[str]) -> None:
    """The error summary comes to say exactly these (waiting: the answer may be on its way)."""
    expect(app.locator("[data-error-summary] li")).to_have_text(errors)


def to_create_pin(app: Page) -> None:
    app.goto("/app/#activate")
    app.get_by_label("User ID").fill("demo-anna")
    app.get_by_label("Activation code").fill(issue_activation_code("demo-anna"))
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("Create your PIN code")


def test_an_empty_activation_form_names_each_empty_field(app: Page):
    app.goto("/app/#activate")
    app.get_by_role("button", name="Continue").click()
    expect(app.locator("[data-error-summary]")).to_be_focused()
    expect_errors(app, ["Enter your user ID.", "Enter the activation code."])
    app.get_by_label("User ID").fill("demo-anna")
    app.get_by_role("button", name="Continue").click()
    expect_errors(app, ["Enter the activation code."])
    expect(app.get_by_label("User ID")).to_have_value("demo-anna")
    # A wrong code keeps what was typed too.
    app.get_by_label("Activation code").fill("ABCD-EFGH-JKLM")
    app.get_by_role("button", name="Continue").click()
    expect(app.locator("[data-error-summary] li")).to_contain_text("not correct")
    expect(app.get_by_label("User ID")).to_have_value("demo-anna")
    expect(app.get_by_label("Activation code")).to_have_value("ABCD-EFGH-JKLM")


def test_a_pin_error_keeps_the_temporary_pin_and_states_the_rule(app: Page):
    to_create_pin(app)
    sms = last_sms_pin(anna_phone())
    pin_hint = app.locator("#pin-hint")
    expect(pin_hint).to_contain_text("not all the same digit and not a run up or down")

    app.get_by_label("Temporary PIN code").fill(sms)
    app.get_by_label("PIN code", exact=True).fill("1234")
    app.get_by_label("Repeat the PIN code").fill("1234")
    app.get_by_role("button", name="Continue").click()
    expect(app.locator("[data-error-summary]")).to_contain_text(
        "not the same digit repeated, such as 1111, and not a run up or down, such as 1234"
    )
    expect(app.get_by_label("Temporary PIN code")).to_have_value(sms)

    # A wrong temporary PIN: the chosen PIN codes stay, and so does what was typed.
    app.get_by_label("Temporary PIN code").fill("000000" if sms != "000000" else "111111")
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_label("Repeat the PIN code").fill(PIN)
    app.get_by_role("button", name="Continue").click()
    expect_errors(app, ["The temporary PIN code is not correct."])
    expect(app.get_by_label("PIN code", exact=True)).to_have_value(PIN)
    expect(app.get_by_label("Repeat the PIN code")).to_have_value(PIN)
    app.get_by_label("Temporary PIN code").fill(sms)
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("Set up notifications")


# What the app says when the phone could not subscribe to notifications.
NOT_SET_UP = "Notifications could not be set up on this phone"
STILL_SMS = "You still get SMS and e-mails from segl about changes to your segl"
# Playwright's browser contexts are off the record, and there Chromium refuses a push
# subscription at once, saying so in the console (a notice of the browser's, not the app's).
NO_PUSH_OFF_THE_RECORD = "does not support the Push API in incognito mode"


def notification_calls(app: Page) -> list[str]:
    """The methods of the app's calls to app/api/notifications from now on, in order."""
    calls: list[str] = []

    def seen(request: Request) -> None:
        if urlsplit(request.url).path == "/app/api/notifications":
            calls.append(request.method)

    app.on("request", seen)
    return calls


def to_set_up_notifications(app: Page) -> None:
    to_create_pin(app)
    app.get_by_label("Temporary PIN code").fill(last_sms_pin(anna_phone()))
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_label("Repeat the PIN code").fill(PIN)
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("Set up notifications")


def assert_no_push_subscription() -> None:
    """segl keeps no subscription for demo-anna's app, nor notifies it."""
    from segl.app.models import AppInstance, PushSubscription

    instance = AppInstance.objects.get(
        authenticator__identity__user_id="demo-anna", authenticator__status="active"
    )
    assert not PushSubscription.objects.filter(instance=instance).exists()
    assert instance.notifications is False


@pytest.mark.parametrize("allowed", [False, True])
def test_notifications_left_off_are_explained(
    context: BrowserContext, app: Page, journal: Journal, allowed: bool
):
    if allowed:
        context.grant_permissions(["notifications"])
        journal.allow(NO_PUSH_OFF_THE_RECORD)
    to_set_up_notifications(app)
    calls = notification_calls(app)
    started = time.monotonic()
    app.get_by_role("button", name="Allow notifications").click()
    heading(app).to_have_text("Your segl app is activated")
    print(f"Allow notifications to the answer: {time.monotonic() - started:.2f} s")
    off = app.locator("[data-notifications-off]")
    expect(app.locator("[data-notifications-on]")).to_have_count(0)
    if allowed:
        # The app asked segl for its key and tried to subscribe, which the browser refused:
        # nothing was sent to segl, and the page says so plainly.
        expect(off).to_have_attribute("data-notifications-off", "failed")
        expect(off).to_contain_text(NOT_SET_UP)
        expect(off).to_contain_text("open the segl app yourself")
        expect(off).to_contain_text(STILL_SMS)
        expect(off).to_contain_text("You can try again in the app's settings")
        assert calls == ["GET"]
    else:
        # Headless Chromium answers a permission nobody granted with "denied", at once.
        expect(off).to_have_attribute("data-notifications-off", "denied")
        expect(off).to_contain_text("Notifications are turned off for the app")
        expect(off).to_contain_text("segl cannot tell you when a login waits for you")
        expect(off).to_contain_text("open the segl app yourself")
        expect(off).to_contain_text("You can turn notifications on in your phone's settings")
        expect(off).not_to_contain_text(STILL_SMS)
        assert calls == []  # no permission, so no key asked for
    assert_no_push_subscription()


def test_a_push_service_out_of_reach_is_given_up(
    browser: Browser, context: BrowserContext, journal: Journal, tmp_path: Path
):
    """In a profile of its own (not off the record) Chromium does try its push service, which
    it cannot reach here: the subscription never comes, and the app gives up after its 15 s
    (on the page's clock, moved on by the test). (``context`` brings the demo data and checks
    the journal; the phone here is the profile.)"""
    profile = browser.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        base_url=BASE_URL,
        locale="da-DK",
        **PHONE,
    )
    try:
        profile.add_cookies([{"name": "django_language", "value": "en", "url": BASE_URL}])
        profile.set_default_timeout(10_000)
        journal.attach(profile)
        profile.grant_permissions(["notifications"])
        app = profile.new_page()
        app.clock.install()
        to_set_up_notifications(app)
        calls = notification_calls(app)
        with app.expect_response(lambda r: urlsplit(r.url).path == "/app/api/notifications"):
            app.get_by_role("button", name="Allow notifications").click()
        off = app.locator("[data-notifications-off]")
        # Still waiting a while later: the push service does not answer.
        app.clock.run_for(5_000)
        heading(app).to_have_text("Set up notifications")
        waited = 5
        while not off.count() and waited < 30:
            app.clock.run_for(1_000)
            waited += 1
        print(f"Allow notifications to the answer: {waited} s on the page's clock")
        # 15 s from the subscribe, which may start a moment after the clock's first 5 s.
        assert 13 <= waited <= 20, f"the app gave up after {waited} s, not its 15 s"
        heading(app).to_have_text("Your segl app is activated")
        expect(off).to_have_attribute("data-notifications-off", "failed")
        expect(off).to_contain_text(NOT_SET_UP)
        expect(off).to_contain_text(STILL_SMS)
        assert calls == ["GET"]
        assert_no_push_subscription()
    finally:
        for open_page in profile.pages:
            leave(open_page)
        profile.close()


def activated(app: Page) -> PhoneApp:
    phone = PhoneApp(app)
    phone.activate("demo-anna", issue_activation_code("demo-anna"), anna_phone(), PIN)
    return phone


def test_a_locked_app_says_why_and_offers_to_activate_again(app: Page):
    activated(app)
    for _ in range(4):
        app.get_by_label("PIN code", exact=True).fill("9999")
        app.get_by_role("button", name="Unlock").click()
        expect(app.locator("[data-error-summary]")).to_contain_text("attempts left")
    app.get_by_label("PIN code", exact=True).fill("9999")
    app.get_by_role("button", name="Unlock").click()
    heading(app).to_have_text("The app is locked")
    expect(app.locator("[data-refused]")).to_contain_text(
        "because a wrong PIN code was entered too many times in a row"
    )
    expect(app.locator("[data-refused]")).to_contain_text("until you activate the app again")
    expect(app.get_by_label("PIN code", exact=True)).to_be_disabled()
    expect(app.get_by_role("button", name="Unlock")).to_be_disabled()

    # So it stays when the app is opened again.
    app.goto("/app/")
    app.get_by_role("link", name="Use the app as demo-anna").click()
    heading(app).to_have_text("The app is locked")
    expect(app.get_by_label("PIN code", exact=True)).to_be_disabled()
    app.get_by_role("link", name="Activate again").click()
    heading(app).to_have_text("Activate your segl")

    # Activated again, the same user ID works with a new PIN.
    app.get_by_role("link", name="I have an activation code").click()
    app.get_by_label("User ID").fill("demo-anna")
    app.get_by_label("Activation code").fill(issue_activation_code("demo-anna"))
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("Create your PIN code")  # the new SMS has been sent
    app.get_by_label("Temporary PIN code").fill(last_sms_pin(anna_phone()))
    app.get_by_label("PIN code", exact=True).fill("1357")
    app.get_by_label("Repeat the PIN code").fill("1357")
    app.get_by_role("button", name="Continue").click()
    app.get_by_role("button", name="Not now").click()
    app.get_by_role("link", name="OK").click()
    PhoneApp(app).unlock("1357")


def test_change_the_pin_code(app: Page):
    activated(app).unlock(PIN)
    app.get_by_role("link", name="App settings").click()
    app.get_by_role("link", name="Change PIN code").click()
    heading(app).to_have_text("Change your PIN code")
    app.get_by_label("Current PIN code").fill(PIN)
    app.get_by_label("New PIN code", exact=True).fill("1111")
    app.get_by_label("Repeat the new PIN code").fill("1111")
    app.get_by_role("button", name="Change PIN code").click()
    expect(app.locator("[data-error-summary]")).to_contain_text("harder to guess")
    expect(app.get_by_label("Current PIN code")).to_have_value(PIN)

    app.get_by_label("New PIN code", exact=True).fill("1357")
    app.get_by_label("Repeat the new PIN code").fill("1357")
    app.get_by_label("Current PIN code").fill("9999")
    app.get_by_role("button", name="Change PIN code").click()
    expect(app.locator("[data-error-summary]")).to_contain_text("4 attempts left")
    expect(app.get_by_label("New PIN code", exact=True)).to_have_value("1357")

    app.get_by_label("Current PIN code").fill(PIN)
    app.get_by_role("button", name="Change PIN code").click()
    heading(app).to_have_text("Your PIN code is changed")
    app.get_by_role("link", name="OK").click()
    app.goto("/app/")
    app.get_by_role("link", name="Use the app as demo-anna").click()
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_role("button", name="Unlock").click()
    expect(app.locator("[data-error-summary]")).to_contain_text("not correct")
    PhoneApp(app).unlock("1357")


def test_one_time_codes_chosen_when_the_pin_is_needed_are_kept(app: Page):
    activated(app).unlock(PIN)
    clock.move(timedelta(minutes=6))  # the unlock has run out
    app.get_by_role("link", name="App settings").click()
    expect(app.get_by_text("takes effect 24 hours after you ask")).to_be_visible()
    app.get_by_label("One-time codes").check()
    app.get_by_role("button", name="Save").click()
    heading(app).to_have_text("Enter your PIN code")
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_role("button", name="Unlock").click()
    heading(app).to_have_text("Settings for demo-anna")
    pending = app.locator("[data-pending-change]")
    expect(pending).to_contain_text("the switch waits 24 hours: you can confirm it here from")
    expect(pending).to_contain_text(re.compile(r"from .*\d{1,2}:\d{2}"))


def test_cancelling_the_change_and_removing_the_user_id_ask_first(app: Page):
    from segl.authenticators.models import Authenticator
    from segl.changes.models import DelayedChange

    activated(app).unlock(PIN)
    app.get_by_role("link", name="App settings").click()
    app.get_by_label("One-time codes").check()
    app.get_by_role("button", name="Save").click()
    cancel = app.get_by_role("button", name="Cancel the change")
    cancel.click()
    expect(app.get_by_text("Cancel the switch to one-time codes?")).to_be_focused()
    app.get_by_role("button", name="No, go back").click()
    expect(cancel).to_be_focused()
    expect(app.locator("[data-pending-change]")).to_be_visible()
    assert DelayedChange.objects.get().cancelled_at is None
    cancel.click()
    app.get_by_role("button", name="Yes, cancel the change").click()
    expect(app.locator("[data-pending-change]")).to_have_count(0)
    expect(app.get_by_label("QR codes")).to_be_checked()

    remove = app.get_by_role("button", name="Remove demo-anna from this app")
    remove.click()
    expect(app.get_by_text("Remove demo-anna from this app?")).to_be_focused()
    assert Authenticator.objects.get(kind="app").status == Authenticator.Status.ACTIVE
    app.get_by_role("button", name="Yes, remove").click()
    heading(app).to_have_text("Activate your segl")
    assert Authenticator.objects.get(kind="app").status == Authenticator.Status.RETIRED


def test_settings_try_notifications_again_and_say_why_they_stay_off(
    context: BrowserContext, app: Page, journal: Journal
):
    """Activated with "Not now", the settings say notifications are off; setting them up
    there (by keyboard) asks for the key and tries to subscribe, and when the phone cannot,
    the error summary says so, and that SMS and e-mails still come."""
    activated(app).unlock(PIN)
    app.get_by_role("link", name="App settings").click()
    heading(app).to_have_text("Settings for demo-anna")
    state = app.locator("[data-notifications]")
    expect(state).to_have_attribute("data-notifications", "off")
    expect(state).to_have_text(
        "Notifications are off: segl cannot tell you when a login waits for you."
    )
    toggle = app.locator("[data-notifications-toggle]")
    expect(toggle).to_have_text("Set up notifications")

    context.grant_permissions(["notifications"])
    journal.allow(NO_PUSH_OFF_THE_RECORD)
    calls = notification_calls(app)
    tab_to(app, lambda f: f["tag"] == "button" and f["text"] == "Set up notifications")
    started = time.monotonic()
    app.keyboard.press("Enter")
    summary = app.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    print(f"Set up notifications to the error: {time.monotonic() - started:.2f} s")
    expect(summary.locator("li")).to_have_count(1)
    expect(summary).to_contain_text(NOT_SET_UP)
    expect(summary).to_contain_text(STILL_SMS)
    heading(app).to_have_text("Settings for demo-anna")
    expect(state).to_have_attribute("data-notifications", "off")
    expect(toggle).to_have_text("Set up notifications")
    assert calls == ["GET"]  # the key, and no subscription sent
    assert_no_push_subscription()
