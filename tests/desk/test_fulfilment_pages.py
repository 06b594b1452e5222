"""The fulfilment page, at the desk: fulfilment staff move orders; the citizen sees each step and
is told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segl.centres.staff import staff_grant
from segl.notify.models import OutboxMessage
from segl.orders.models import Order
from segl.orders.services import order_place
from tests.conftest import make_device, make_person
from tests.desk.conftest import desk_login
from tests.portal.conftest import english, portal_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    person = make_person("packer-1")
    staff_grant(
        identity=person.identity,
        centre="kbh-vesterbro",
        role="fulfilment",
        now=datetime.now(UTC),
        actor="test",
    )
    return desk_login(person.identity)


def an_order(person=None, **extra) -> Order:
    defaults = {
        "key": f"k-{datetime.now(UTC).timestamp()}",
        "kind": "code_display",
        "person": person,
        "identified_by": "login" if person else "none",
        "delivery": "post",
        "recipient": "" if person else "Ida Berg",
        "address": "" if person else "Torvet 2, 4000 Roskilde",
        "now": datetime.now(UTC),
    }
    return order_place(**{**defaults, **extra})


def test_only_fulfilment_staff_see_the_fulfilment_page(eva, staff, operator):
    for who in (eva.identity, staff.operator, staff.supervisor):
        browser = desk_login(who)
        assert browser.get("/desk/fulfilment/").status_code == 403
        assert browser.post("/desk/fulfilment/", {"reference": "X", "to": "x"}).status_code == 403
    assert operator.get("/desk/fulfilment/").status_code == 200


def test_the_portals_old_address_leads_to_the_desk(client):
    response = client.get("/portal/fulfilment/")
    assert (response.status_code, response["Location"]) == (301, "/desk/fulfilment/")


def test_an_operator_moves_an_order_to_delivery_and_the_citizen_sees_each_step(operator, eva):
    order = an_order(eva.identity.person)
    token = make_device()
    page = operator.get("/desk/fulfilment/").content.decode()
    assert order.reference in page
    for step in ("packed", "shipped", "delivered"):
        response = operator.post("/desk/fulfilment/", {"reference": order.reference, "to": step})
        assert response.status_code == 302, response.content.decode()[:1000]
    order.refresh_from_db()
    assert order.status == "delivered" and order.device.serial == token.serial
    assert order.device.assigned_to == eva.identity
    shipped = OutboxMessage.objects.get(purpose="order_shipped", channel="sms")
    assert shipped.to == eva.identity.person.phone and order.reference in shipped.text
    citizen = portal_login(english(), eva)
    html = citizen.get(f"/portal/orders/{order.reference}/").content.decode()
    for label in ("Ordered", "Packed", "Shipped", "Delivered", token.serial, "Activate it now"):
        assert label in html


def test_an_unpaid_order_cannot_be_packed_until_it_is_marked_paid(operator):
    order = an_order()
    make_device()
    refused = operator.post("/desk/fulfilment/", {"reference": order.reference, "to": "packed"})
    assert refused.status_code == 400 and "has not been paid" in refused.content.decode()
    operator.post("/desk/fulfilment/", {"reference": order.reference, "to": "paid"})
    operator.post("/desk/fulfilment/", {"reference": order.reference, "to": "packed"})
    order.refresh_from_db()
    assert (order.payment, order.status) == ("paid", "packed")


def test_a_step_out_of_order_or_without_stock_is_refused_with_a_reason(operator, eva):
    order = an_order(eva.identity.person)
    skip = operator.post("/desk/fulfilment/", {"reference": order.reference, "to": "delivered"})
    assert "cannot take that step" in skip.content.decode()
    empty = operator.post("/desk/fulfilment/", {"reference": order.reference, "to": "packed"})
    assert "no device of this kind in stock" in empty.content.decode()
    order.refresh_from_db()
    assert order.status == "ordered"


def test_a_pickup_order_becomes_ready_and_the_citizen_is_told_where(operator, eva):
    order = an_order(eva.identity.person, delivery="pickup", centre="odense")
    make_device()
    for step in ("packed", "ready_for_pickup"):
        operator.post("/desk/fulfilment/", {"reference": order.reference, "to": step})
    order.refresh_from_db()
    assert order.status == "ready_for_pickup"
    ready = OutboxMessage.objects.get(purpose="order_ready_for_pickup", channel="sms")
    assert "Borgerservice Odense" in ready.text
    # Handing it over is the desk's, where the person's ID is checked: not fulfilment's.
    assert 'value="collected"' not in operator.get("/desk/fulfilment/").content.decode()
    refused = operator.post("/desk/fulfilment/", {"reference": order.reference, "to": "collected"})
    assert refused.status_code == 400 and b"handed over at the desk" in refused.content
    order.refresh_from_db()
    assert order.status == "ready_for_pickup"
