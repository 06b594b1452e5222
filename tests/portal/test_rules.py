"""The portal's security rules, each with a test that fails if the rule is taken away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.utils.module_loading import import_string

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator, Device
from segl.notify.gateways import deliver_waiting
from segl.notify.models import OutboxMessage
from segl.notify.notices import tell
from segl.orders.models import Order
from segl.orders.services import order_advance, order_mark_paid, order_place
from segl.portal import auth
from segl.portal.services import USER_ID_TRIES_PER_HOUR
from segl.portal.views.orders import DRAFT, PLACED
from tests.app.conftest import activate, emulator
from tests.conftest import PASSWORD, make_device, make_person
from tests.portal.conftest import english, portal_login, shipped_device
from tests.portal.test_order_pages import POST, confirm

pytestmark = pytest.mark.django_db

NEW = {"new_password": "another good passphrase", "confirm_password": "another good passphrase"}


class BrokenGateway:
    """An SMS provider that is down."""

    def send(self, message: object) -> None:
        raise ConnectionError("provider unreachable")


class CountingGateway:
    sent: list[str] = []

    def send(self, message: OutboxMessage) -> None:
        import_string("tests.portal.test_rules.CountingGateway").sent.append(message.purpose)


# -- orders -------------------------------------------------------------------------------------


def test_an_identified_order_goes_to_the_register_whatever_the_form_says(client, eva):
    client.post(
        "/portal/order/",
        {
            **POST,
            "identify": "passport",
            "cpr": eva.identity.person.cpr,
            "passport": "206123456",
            "recipient": "Mallory",
            "address": "Evil Street 1",
            "country": "SE",
        },
    )
    html, key = confirm(client)
    # Someone who knows the two numbers learns nothing of where the person lives.
    assert "Algade 1" not in html and "Evil Street" not in html
    assert "Your address in the people register" in html
    client.post("/portal/order/confirm/", {"key": key})
    order = Order.objects.get()
    assert (order.recipient, order.address, order.country) == (
        eva.identity.person.name,
        "Algade 1, 9000 Aalborg",
        "DK",
    )


def test_the_order_is_placed_at_the_price_shown_or_not_at_all(logged_in, eva):
    logged_in.post("/portal/order/", POST)
    html, key = confirm(logged_in)
    assert "Free" in html
    # Meanwhile three orders are placed elsewhere: the fourth is no longer free.
    for n in range(3):
        order_place(
            key=f"elsewhere-{n}",
            kind="code_display",
            person=eva.identity.person,
            identified_by="login",
            delivery="post",
            now=datetime.now(UTC),
        )
    changed = logged_in.post("/portal/order/confirm/", {"key": key})
    assert changed.status_code == 409
    assert "The price has changed" in changed.content.decode()
    assert "41.76 DKK" in changed.content.decode()
    assert Order.objects.count() == 3
    logged_in.post("/portal/order/confirm/", {"key": key})
    assert Order.objects.get(idempotency_key=key).price_ore == 4176


def test_a_repeated_confirm_places_one_order_even_without_the_browsers_memory(logged_in, eva):
    logged_in.post("/portal/order/", POST)
    _, key = confirm(logged_in)
    draft = logged_in.session[DRAFT]
    logged_in.post("/portal/order/confirm/", {"key": key})
    # The browser forgets what it placed and sends the same form again.
    session = logged_in.session
    session[DRAFT], session[PLACED] = draft, {}
    session.save()
    again = logged_in.post("/portal/order/confirm/", {"key": key})
    assert again.status_code == 302
    assert Order.objects.count() == 1


def test_a_person_without_an_address_is_asked_to_collect_it(logged_in, eva):
    person = eva.identity.person
    person.address = ""
    person.save()
    response = logged_in.post("/portal/order/", POST)
    assert response.status_code == 400
    assert "no address for you in the people register" in response.content.decode()


def test_empty_forms_say_what_is_missing(logged_in):
    order = logged_in.post("/portal/order/", {})
    assert order.status_code == 400 and "Choose what you want to order" in order.content.decode()
    activation = logged_in.post("/portal/activate/device/", {})
    assert "Enter the serial number" in activation.content.decode()
    assert "Create a password" in logged_in.post("/portal/password/", {}).content.decode()
    assert "Enter a new user ID" in logged_in.post("/portal/user-id/", {}).content.decode()


# -- activation ---------------------------------------------------------------------------------


def anonymous_device() -> tuple[object, Order]:
    token = make_device()
    order = order_place(
        key=f"anon-{token.serial}",
        kind="code_display",
        person=None,
        identified_by="none",
        delivery="post",
        recipient="Ida Berg",
        address="Torvet 2",
        now=datetime.now(UTC),
    )
    order_mark_paid(reference=order.reference, now=datetime.now(UTC), actor="t")
    for step in ("packed", "shipped", "delivered"):
        order_advance(reference=order.reference, to=step, now=datetime.now(UTC), actor="t")
    return token, order


def test_a_device_from_an_anonymous_order_needs_a_login_not_just_cpr_and_passport(client, eva):
    token, _ = anonymous_device()
    form = {**NEW, "serial": token.serial, "code": token.code()}
    by_numbers = client.post(
        "/portal/activate/device/",
        {**form, "cpr": eva.identity.person.cpr, "passport": "206123456"},
    )
    assert by_numbers.status_code == 400
    assert "ordered without identification. Log in" in by_numbers.content.decode()
    assert Authenticator.objects.get(identity=eva.identity, kind="code_display").status == "active"
    logged_in = portal_login(english(), eva)
    assert logged_in.post("/portal/activate/device/", form).status_code == 200
    assert Device.objects.get(serial=token.serial).assigned_to == eva.identity


def test_activation_tells_the_citizen_the_old_device_is_retired(logged_in, eva):
    token = shipped_device(eva)
    logged_in.post(
        "/portal/activate/device/", {**NEW, "serial": token.serial, "code": token.code()}
    )
    assert OutboxMessage.objects.filter(purpose="authenticator_retired", channel="sms").exists()


# -- logins that must end -------------------------------------------------------------------------


def test_a_security_change_ends_every_other_portal_login(eva):
    mine, theirs = portal_login(english(), eva), portal_login(english(), eva)
    assert theirs.get("/portal/history/").status_code == 200
    assert mine.post("/portal/password/", NEW).status_code == 302
    assert theirs.get("/portal/history/").status_code == 302  # logged out
    assert mine.get("/portal/history/").status_code == 200  # the one that changed it goes on


@pytest.mark.parametrize("change", ["lost", "not_me", "user_id"])
def test_losing_something_or_reporting_misuse_ends_other_logins(eva, driver, change):
    mine, theirs = portal_login(english(), eva), portal_login(english(), eva)
    device = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    if change == "lost":
        mine.post(f"/portal/authenticators/{device.pk}/lost/")
    elif change == "user_id":
        mine.post("/portal/user-id/", {"user_id": "eva-renamed"})
    else:
        driver.login(eva)
        activity = eva.identity.activities.get()
        mine.post(f"/portal/history/{activity.pk}/not-me/")
    assert theirs.get("/portal/").content.decode().count("Log in with segl") == 1
    assert auth.SESSION in mine.session


def test_trying_many_user_ids_is_slowed_down(logged_in):
    make_person("taken-one")
    answers = [
        logged_in.post("/portal/user-id/", {"user_id": "taken-one"}).status_code
        for _ in range(USER_ID_TRIES_PER_HOUR + 1)
    ]
    assert answers[:-1] == [400] * USER_ID_TRIES_PER_HOUR
    assert answers[-1] == 429


# -- notices: after the change commits, never instead of it ---------------------------------------


def test_a_failing_sms_gateway_does_not_undo_the_change(
    logged_in, eva, settings, django_capture_on_commit_callbacks
):
    settings.SEGL_GATEWAYS = dict.fromkeys(
        settings.SEGL_GATEWAYS, "tests.portal.test_rules.BrokenGateway"
    )
    device = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/portal/authenticators/{device.pk}/lost/")
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.status == "suspended"
    waiting = OutboxMessage.objects.get(purpose="authenticator_lost", channel="sms")
    assert waiting.sent_at is None and waiting.attempts == 1
    assert "provider unreachable" in waiting.error
    # The provider is back: the waiting messages go out.
    settings.SEGL_GATEWAYS = dict.fromkeys(
        settings.SEGL_GATEWAYS, "tests.portal.test_rules.CountingGateway"
    )
    CountingGateway.sent.clear()
    delivered, still = deliver_waiting(now=datetime.now(UTC))
    assert (delivered, still) == (2, 0)  # the SMS and the e-mail
    assert import_string("tests.portal.test_rules.CountingGateway").sent == [
        "authenticator_lost",
        "authenticator_lost",
    ]


def test_a_change_that_is_rolled_back_tells_nobody(
    eva, settings, django_capture_on_commit_callbacks
):
    settings.SEGL_GATEWAYS = dict.fromkeys(
        settings.SEGL_GATEWAYS, "tests.portal.test_rules.CountingGateway"
    )
    sent = import_string("tests.portal.test_rules.CountingGateway").sent
    sent.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tell(eva.identity.person, "password_changed", now=datetime.now(UTC))
        raise RuntimeError("the change failed")
    assert callbacks == [] and sent == []
    assert not OutboxMessage.objects.filter(purpose="password_changed").exists()


# -- audit and reports --------------------------------------------------------------------------


def test_every_change_on_the_portal_is_audited(logged_in, eva):
    app = emulator()
    activate(app, eva)
    app_auth = Authenticator.objects.get(identity=eva.identity, kind="app")
    device = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    logged_in.post(f"/portal/authenticators/{app_auth.pk}/", {"name": "Phone"})
    logged_in.post(f"/portal/authenticators/{app_auth.pk}/retire/")
    logged_in.post(f"/portal/authenticators/{device.pk}/lost/")
    logged_in.post("/portal/user-id/", {"user_id": "eva-audited"})
    actions = set(
        AuditEvent.objects.filter(actor="citizen").values_list("action", flat=True).distinct()
    )
    assert {
        "authenticator.rename",
        "authenticator.retire",
        "authenticator.suspend",
        "identity.user_id",
    } <= actions
    rename = AuditEvent.objects.get(action="authenticator.rename")
    assert rename.data["new"] == "Phone" and rename.ip == "127.0.0.1"


def test_a_report_about_something_already_blocked_does_not_claim_to_block_it(
    logged_in, eva, driver
):
    driver.login(eva)
    device = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    logged_in.post(f"/portal/authenticators/{device.pk}/retire/")
    activity = eva.identity.activities.get()
    response = logged_in.post(f"/portal/history/{activity.pk}/not-me/", follow=True)
    assert "Your report has been recorded" in response.content.decode()
    assert "has been blocked" not in response.content.decode()
    assert OutboxMessage.objects.filter(purpose="fraud_report_recorded").exists()
    assert AuditEvent.objects.get(action="fraud.report").data["suspended"] is False


def test_the_password_still_logs_in_when_a_change_is_refused(eva, driver):
    client = portal_login(english(), eva, minutes_ago=30)
    client.post("/portal/password/", {**NEW, "current_password": "wrong"})
    url, *_ = driver.start()
    driver.user_id(url, eva.user_id)
    driver.code(url, eva.token.code())
    assert driver.password(url, PASSWORD).status_code == 302
