"""Ordering on the portal: identify three ways, see the price and dates, place exactly once."""

from __future__ import annotations

import re

import pytest

from segl.orders.models import Order
from segl.portal.views.orders import DRAFT
from tests.conftest import make_person
from tests.portal.conftest import english, portal_login

pytestmark = pytest.mark.django_db

POST = {"kind": "code_display", "delivery": "post"}


def confirm(client):
    page = client.get("/portal/order/confirm/")
    assert page.status_code == 200, page.content.decode()[:500]
    key = re.search(r'name="key" value="([^"]+)"', page.content.decode()).group(1)
    return page.content.decode(), key


def test_a_logged_in_order_is_free_and_placed_once_on_a_double_submit(logged_in, eva):
    assert logged_in.post("/portal/order/", POST).status_code == 302
    html, key = confirm(logged_in)
    assert "Free" in html and "Confirm order" in html
    assert "Algade 1, 9000 Aalborg" in html
    first = logged_in.post("/portal/order/confirm/", {"key": key})
    second = logged_in.post("/portal/order/confirm/", {"key": key})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Order.objects.filter(person=eva.identity.person).count() == 1
    order = Order.objects.get()
    assert (order.identified_by, order.price_ore, order.payment) == ("login", 0, "free")
    status = logged_in.get(first["Location"]).content.decode()
    assert order.reference in status and "Ordered" in status


def test_the_fourth_code_display_shows_its_price_before_confirming(logged_in, eva):
    for _ in range(3):
        logged_in.post("/portal/order/", POST)
        logged_in.post("/portal/order/confirm/", {"key": confirm(logged_in)[1]})
    logged_in.post("/portal/order/", POST)
    html, key = confirm(logged_in)
    assert "41.76 DKK" in html and "Order and pay 41.76 DKK" in html
    logged_in.post("/portal/order/confirm/", {"key": key})
    prices = list(Order.objects.order_by("created_at").values_list("price_ore", flat=True))
    assert prices == [0, 0, 0, 4176]


def test_prices_are_written_the_danish_way_in_danish(client):
    client.cookies["django_language"] = "da"
    client.post(
        "/portal/order/",
        {**POST, "kind": "audio_code_reader", "identify": "none", "recipient": "Ida"}
        | {"address": "Torvet 2", "country": "DK"},
    )
    html, _ = confirm(client)
    assert "41,71 kr." in html


def test_an_order_with_cpr_and_passport_number_is_free_and_for_that_person(client, eva):
    cpr = eva.identity.person.cpr
    response = client.post(
        "/portal/order/",
        {**POST, "identify": "passport", "cpr": cpr, "passport": "206 123 456"},
    )
    assert response.status_code == 302
    html, key = confirm(client)
    assert "Free" in html and eva.identity.person.name in html
    client.post("/portal/order/confirm/", {"key": key})
    order = Order.objects.get()
    assert (order.person, order.identified_by, order.price_ore) == (
        eva.identity.person,
        "passport",
        0,
    )


def test_three_wrong_passport_numbers_lock_for_15_minutes_with_a_clear_message(client, eva):
    cpr = eva.identity.person.cpr
    wrong = {**POST, "identify": "passport", "cpr": cpr, "passport": "999999999"}
    statuses = [client.post("/portal/order/", wrong).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    right = {**wrong, "passport": "206123456"}
    locked = client.post("/portal/order/", right)
    assert locked.status_code == 429
    assert "Too many wrong tries. Wait until" in locked.content.decode()
    assert DRAFT not in client.session


def test_a_wrong_passport_number_says_what_is_wrong(client, eva):
    response = client.post(
        "/portal/order/",
        {**POST, "identify": "passport", "cpr": eva.identity.person.cpr, "passport": "1"},
    )
    assert response.status_code == 400
    assert "do not match" in response.content.decode()


def test_an_anonymous_order_is_paid_and_needs_a_name_and_an_address(client):
    missing = client.post("/portal/order/", {**POST, "identify": "none"})
    assert missing.status_code == 400
    html = missing.content.decode()
    assert "Enter the name it is sent to" in html and "Enter the address it is sent to" in html
    response = client.post(
        "/portal/order/",
        {
            **POST,
            "identify": "none",
            "recipient": "Ida Berg",
            "address": "Torvet 2\n4000 Roskilde",
            "country": "DK",
        },
    )
    assert response.status_code == 302
    html, key = confirm(client)
    assert "41.76 DKK" in html and "Not identified" in html
    placed = client.post("/portal/order/confirm/", {"key": key})
    order = Order.objects.get()
    assert (order.person, order.payment, order.price_ore) == (None, "invoiced", 4176)
    # The browser that placed it can follow it; another cannot.
    assert client.get(placed["Location"]).status_code == 200

    assert english().get(placed["Location"]).status_code == 404


def test_a_pickup_order_names_the_centre_and_what_to_bring(logged_in):
    missing = logged_in.post("/portal/order/", {**POST, "delivery": "pickup"})
    assert "Choose a citizen service centre" in missing.content.decode()
    logged_in.post("/portal/order/", {**POST, "delivery": "pickup", "centre": "aarhus"})
    html, key = confirm(logged_in)
    assert "Borgerservice Aarhus" in html and "passport or driving licence" in html
    logged_in.post("/portal/order/confirm/", {"key": key})
    order = Order.objects.get()
    assert (order.delivery, order.centre) == ("pickup", "aarhus")


def test_an_order_abroad_is_expected_later(client):
    client.post(
        "/portal/order/",
        {**POST, "identify": "none", "recipient": "Ida", "address": "Gata 1", "country": "SE"},
    )
    html, _ = confirm(client)
    assert "outside Denmark takes longer" in html


def test_nobody_else_sees_my_order(logged_in, eva, db):
    logged_in.post("/portal/order/", POST)
    placed = logged_in.post("/portal/order/confirm/", {"key": confirm(logged_in)[1]})

    other = portal_login(english(), make_person("someone-else"))
    assert other.get(placed["Location"]).status_code == 404


def test_a_form_key_that_is_not_the_drafts_places_nothing(logged_in):
    logged_in.post("/portal/order/", POST)
    response = logged_in.post("/portal/order/confirm/", {"key": "made-up"})
    assert response.status_code == 302
    assert not Order.objects.exists()


def test_confirm_without_a_draft_goes_back_to_the_form(client):
    assert client.get("/portal/order/confirm/")["Location"] == "/portal/order/"
