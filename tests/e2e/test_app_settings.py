"""The app's own screens on a real phone (issue 13): activating keeps what was typed and names
what is wrong; a refused notification permission is explained; a locked app says why and how
on, with its PIN field off; the PIN code can be changed; a change that needed the PIN is made
after it; cancelling a change and removing a user ID ask first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from segl import clock
from tests.e2e.app_support import PhoneApp, issue_activation_code, last_sms_pin, phone_context
from tests.e2e.conftest import Demo, Journal
from tests.e2e.support import leave
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


@pytest.mark.parametrize("allowed", [False, True])
def test_notifications_left_off_are_explained(context: BrowserContext, app: Page, allowed: bool):
    if allowed:
        context.grant_permissions(["notifications"])
    to_create_pin(app)
    app.get_by_label("Temporary PIN code").fill(last_sms_pin(anna_phone()))
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_label("Repeat the PIN code").fill(PIN)
    app.get_by_role("button", name="Continue").click()
    app.get_by_role("button", name="Allow notifications").click()
    heading(app).to_have_text("Your segl app is activated")
    off = app.locator("[data-notifications-off]")
    if allowed:
        expect(off).to_have_count(0)
    else:
        expect(off).to_contain_text("segl cannot tell you when a login waits for you")
        expect(off).to_contain_text("open the segl app yourself")


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
