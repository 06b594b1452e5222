"""axe-core on every page of the self-service portal, in Danish on a phone and in English on a
desktop, with no sideways scrolling; and one portal journey by keyboard only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from segl import clock
from segl.demo import DEMO_PASSWORD
from segl.orders.models import Order
from segl.orders.services import order_advance
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import Device, PageReport, desk_login, log_in_at_segl, tab_to

pytestmark = pytest.mark.e2e


def submit(page: Page, form: str = "main form[method=post]") -> None:
    page.locator(form).last.locator("button[type=submit]").first.click()


def login(page: Page, device: Device, user_id: str) -> None:
    page.goto("/portal/")
    page.locator("form[action$='/portal/login/'] button").click()
    log_in_at_segl(page, device, user_id, DEMO_PASSWORD)
    page.wait_for_url("**/portal/")


@pytest.mark.parametrize(
    ("language", "width"), [("da", 320), ("en", 1000)], ids=["da-phone", "en-desktop"]
)
def test_every_portal_page_passes_axe_and_reflows(
    page: Page, demo: Demo, journal: Journal, language: str, width: int
) -> None:
    set_language(page.context, language)
    page.set_viewport_size({"width": width, "height": 800})
    report = PageReport(themes=language == "da")
    expect_lang = expect(page.locator("html"))

    page.goto("/portal/")
    expect_lang.to_have_attribute("lang", language)
    report.check(page, "landing")
    page.goto("/portal/order/")
    report.check(page, "order form")
    submit(page)
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "order form with errors")
    page.locator("#id_kind_0").check()
    page.locator("#id_identify_1").check()
    page.locator("#id_delivery_0").check()
    page.locator("#id_recipient").fill("Ida Berg")
    page.locator("#id_address").fill("Torvet 2\n4000 Roskilde")
    submit(page)
    expect(page.locator("[data-price]")).to_be_visible()
    report.check(page, "order confirm (paid)")
    submit(page)
    expect(page).to_have_url(re.compile(r"/portal/orders/"))
    report.check(page, "order status")
    page.goto("/portal/appointments/")
    report.check(page, "book a time: where")
    submit(page, "main form[method=get]")
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "book a time: where, with errors")
    page.locator("#id_purpose_0").check()
    submit(page, "main form[method=get]")
    report.check(page, "book a time: when")
    page.locator("input[name='starts_at']").first.check()
    page.locator("#id_name").fill("Ida Berg")
    submit(page)
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "book a time: when, with errors")
    page.locator("input[name='starts_at']").first.check()
    page.locator("#id_phone").fill("20000199")
    submit(page)
    expect(page).to_have_url(re.compile(r"/portal/appointments/[A-Z0-9]{8}/"))
    report.check(page, "your appointment")
    page.goto("/portal/activate/")
    report.check(page, "activate: do you have one?")
    page.goto("/portal/activate/device/")
    report.check(page, "activate form")
    submit(page)
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "activate form with errors")

    # Ole is an operator: his own order, packed, sent and delivered, then activated.
    ole = demo.device("demo-ole")
    login(page, ole, "demo-ole")
    report.check(page, "my segl (backup notice)")
    page.goto("/portal/order/")
    page.locator("#id_kind_0").check()
    page.locator("#id_delivery_1").check()
    page.locator("#id_centre").select_option("odense")
    submit(page)
    report.check(page, "order confirm (free, pickup)")
    submit(page)
    reference = Order.objects.filter(person__given_name="Ole").get().reference
    desk_login(page, ole, "demo-ole")  # fulfilment is at the desk
    report.check(page, "fulfilment")
    for step in ("packed", "ready_for_pickup"):
        page.locator(f"form:has(input[value='{reference}']) button[value='{step}']").click()
        expect(page.locator(".notice")).to_contain_text(reference)
    # Handed over at the desk, where the ID is checked (its pages: test_desk_accessibility.py).
    order_advance(reference=reference, to="collected", now=datetime.now(UTC), actor="desk")
    page.goto(f"/portal/orders/{reference}/")
    report.check(page, "order status (collected)")
    serial = Order.objects.get(reference=reference).device.serial
    page.locator("a[href*='/portal/activate/device/'].button").click()
    page.locator("#id_new_password").fill("ole's new passphrase")
    page.locator("#id_confirm_password").fill("ole's new passphrase")
    page.locator("#id_serial").fill(serial)
    device = Device(page.context, serial, demo.device_dir / f"{serial}.json")
    code = device.press()
    page.bring_to_front()
    page.locator("#id_code").fill(code)
    submit(page)
    expect(page.locator(".notice")).to_be_visible()
    report.check(page, "activated (old one retired)")

    page.goto("/portal/")
    manage = page.locator("a[href*='/portal/authenticators/']").first
    manage.click()
    report.check(page, "authenticator")
    page.locator("a[href$='/lost/']").click()
    report.check(page, "report lost: confirm")
    page.go_back()
    page.locator("a[href$='/retire/']").click()
    report.check(page, "retire: confirm")
    page.goto("/portal/password/")
    report.check(page, "change password")
    page.goto("/portal/user-id/")
    submit(page)
    report.check(page, "change user ID with an error")
    # Six minutes on (the live server runs in this process): the change asks for a new login.
    clock.move(timedelta(minutes=6))
    page.goto("/portal/user-id/")
    expect(page.locator("form[action$='/portal/login/'] input[name=next]")).to_have_value(
        "/portal/user-id/"
    )
    report.check(page, "log in again to change the user ID")
    page.goto("/portal/history/")
    report.check(page, "history")
    page.locator("a[href$='/not-me/']").first.click()
    report.check(page, "this was not me: confirm")

    report.assert_clean()
    assert journal.errors == []


def test_an_anonymous_order_by_keyboard_only(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    page.goto("/portal/")
    tab_to(page, lambda f: f["href"] == "#main", limit=1)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    tab_to(page, lambda f: f["href"] == "/portal/order/")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/order/$"))

    # Radios: Tab into a group, the arrow keys choose within it.
    tab_to(page, lambda f: f["id"] == "id_kind_0", limit=40)
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["id"] == "id_identify_0")
    page.keyboard.press("ArrowDown")  # the arrow keys move and choose within a group
    expect(page.locator("#id_identify_1")).to_be_checked()
    tab_to(page, lambda f: f["id"] == "id_delivery_0")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["id"] == "id_recipient")
    page.keyboard.type("Ida Berg")
    tab_to(page, lambda f: f["id"] == "id_address", limit=1)
    page.keyboard.type("Torvet 2, 4000 Roskilde")
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Continue")
    page.keyboard.press("Enter")

    expect(page.locator("[data-price]")).to_have_text("41.76 DKK")
    tab_to(page, lambda f: f["text"] == "Order and pay 41.76 DKK", limit=30)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/orders/[A-Z0-9]{8}/$"))
    order = Order.objects.get()
    assert (order.recipient, order.payment, order.price_ore) == ("Ida Berg", "invoiced", 4176)
    assert journal.errors == []
