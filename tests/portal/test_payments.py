"""Paying for an order through the payment provider interface, and cancelling an order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils.module_loading import import_string

from segl.orders.models import Order
from segl.orders.payments import PaymentStart
from segl.orders.services import order_advance
from tests.conftest import make_device
from tests.portal.conftest import english
from tests.portal.test_order_pages import POST, confirm

pytestmark = pytest.mark.django_db

ANONYMOUS = {**POST, "identify": "none", "recipient": "Ida Berg", "address": "Torvet 2"}
STARTED: list[tuple[str, str]] = []
PROVIDER = "tests.portal.test_payments.CardProvider"


def started() -> list[tuple[str, str]]:
    """The orders the provider was given, as segl loaded it (by its dotted path)."""
    calls: list[tuple[str, str]] = import_string("tests.portal.test_payments.STARTED")
    return calls


class CardProvider:
    """A provider with its own payment page, as a card acquirer plugs in."""

    def start(self, order: Order, *, return_url: str) -> PaymentStart:
        STARTED.append((order.reference, return_url))
        return PaymentStart(redirect_url=f"https://pay.example/checkout/{order.reference}")


def test_by_default_a_paid_order_is_invoiced_and_the_order_page_says_how_to_pay(client):
    client.post("/portal/order/", ANONYMOUS)
    placed = client.post("/portal/order/confirm/", {"key": confirm(client)[1]})
    order = Order.objects.get()
    assert placed["Location"] == f"/portal/orders/{order.reference}/"
    html = client.get(placed["Location"]).content.decode()
    assert f"quote the order reference {order.reference}" in html


def test_a_provider_with_a_payment_page_gets_the_order_and_the_citizen(client, settings):
    settings.SEGL_PAYMENT_PROVIDER = PROVIDER
    started().clear()
    client.post("/portal/order/", ANONYMOUS)
    placed = client.post("/portal/order/confirm/", {"key": confirm(client)[1]})
    order = Order.objects.get()
    assert placed["Location"] == f"https://pay.example/checkout/{order.reference}"
    assert [(order.reference, f"http://testserver/portal/orders/{order.reference}/")] == started()


def test_a_free_order_never_reaches_the_provider(logged_in, settings):
    settings.SEGL_PAYMENT_PROVIDER = PROVIDER
    started().clear()
    logged_in.post("/portal/order/", POST)
    placed = logged_in.post("/portal/order/confirm/", {"key": confirm(logged_in)[1]})
    assert placed["Location"].startswith("/portal/orders/")
    assert started() == []


def test_the_citizen_cancels_an_order_until_it_has_left(logged_in, eva):
    for _ in range(2):
        logged_in.post("/portal/order/", POST)
        logged_in.post("/portal/order/confirm/", {"key": confirm(logged_in)[1]})
    first, second = Order.objects.order_by("created_at")
    assert (
        "Cancel the order" in logged_in.get(f"/portal/orders/{first.reference}/").content.decode()
    )
    logged_in.post(f"/portal/orders/{first.reference}/cancel/")
    first.refresh_from_db()
    assert first.status == "cancelled"

    make_device()
    for step in ("packed", "shipped"):
        order_advance(reference=second.reference, to=step, now=datetime.now(UTC), actor="t")
    page = logged_in.get(f"/portal/orders/{second.reference}/").content.decode()
    assert "Cancel the order" not in page
    refused = logged_in.post(f"/portal/orders/{second.reference}/cancel/", follow=True)
    assert "can no longer be cancelled" in refused.content.decode()
    second.refresh_from_db()
    assert second.status == "shipped"


def test_nobody_else_can_cancel_my_order(logged_in):
    logged_in.post("/portal/order/", POST)
    logged_in.post("/portal/order/confirm/", {"key": confirm(logged_in)[1]})
    order = Order.objects.get()
    assert english().post(f"/portal/orders/{order.reference}/cancel/").status_code == 404
    order.refresh_from_db()
    assert order.status == "ordered"
