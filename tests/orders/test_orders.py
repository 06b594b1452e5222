"""Ordering devices (seeds 000, 001): price, identification, one order per form, fulfilment."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from segl.authenticators.models import Device
from segl.core.errors import Locked
from segl.identities.services import person_create
from segl.notify.models import OutboxMessage
from segl.orders.identification import identify_by_passport
from segl.orders.models import Order, OrderEvent
from segl.orders.services import (
    OrderRefused,
    order_advance,
    order_mark_paid,
    order_place,
)
from tests.conftest import make_device, make_person

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday


def place(person, key: str, kind: str = "code_display", **extra) -> Order:
    defaults = {
        "identified_by": "login" if person else "none",
        "delivery": "post",
        "address": "" if person else "Algade 1, 9000 Aalborg",
        "recipient": "" if person else "Eva Holm",
    }
    return order_place(key=key, kind=kind, person=person, now=NOW, **{**defaults, **extra})


@pytest.fixture
def person():
    return person_create(
        cpr="0101904321",
        given_name="Eva",
        family_name="Holm",
        address="Algade 1, 9000 Aalborg",
        passport_numbers=["206123456"],
        phone="+4520123456",
    )


def test_the_fourth_order_of_a_kind_costs_money(person):
    prices = [place(person, f"k{n}").price_ore for n in range(4)]
    assert prices == [0, 0, 0, 4176]
    assert place(person, "k-other", kind="audio_code_reader").price_ore == 0
    fourth = Order.objects.get(idempotency_key="k3")
    assert fourth.payment == "invoiced"


def test_a_cancelled_order_does_not_count_towards_the_free_three(person):
    for n in range(3):
        place(person, f"c{n}")
    order_advance(
        reference=Order.objects.get(idempotency_key="c0").reference,
        to="cancelled",
        now=NOW,
        actor="op",
    )
    assert place(person, "c3").price_ore == 0


def test_an_anonymous_order_pays(db):
    order = place(None, "anon-1")
    assert (order.price_ore, order.payment, order.identified_by) == (4176, "invoiced", "none")


def test_a_double_submit_makes_one_order(person):
    first = place(person, "same-form")
    second = place(person, "same-form")
    assert first.pk == second.pk and Order.objects.count() == 1
    with pytest.raises(OrderRefused):
        place(person, "same-form", kind="audio_code_reader")  # a key is one order


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_the_same_moment_makes_one_order():
    person = person_create(cpr="0202904321", given_name="A", family_name="B", address="X 1")
    results: list[int] = []

    def submit() -> None:
        from django.db import connection

        results.append(place(person, "racing-form").pk)
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and Order.objects.count() == 1


def test_the_expected_delivery_skips_the_weekend(person):
    order = place(person, "dates")
    assert (order.expected_earliest, order.expected_latest) == (
        date(2026, 12, 2),
        date(2026, 12, 8),
    )


def test_pickup_needs_a_known_centre(person):
    with pytest.raises(OrderRefused) as caught:
        place(person, "pickup-x", delivery="pickup", centre="nowhere")
    assert caught.value.reason == "centre"
    order = place(person, "pickup-1", delivery="pickup", centre="aarhus")
    assert order.centre == "aarhus" and order.address == ""


def test_identified_by_cpr_and_passport(person):
    found = identify_by_passport(cpr="010190-4321", passport="206 123 456", now=NOW)
    assert found.pk == person.pk


def test_three_wrong_cpr_and_passport_tries_lock_for_15_minutes(person):
    for _ in range(2):
        with pytest.raises(OrderRefused):
            identify_by_passport(cpr="0101904321", passport="999999999", now=NOW, ip="10.0.0.1")
    with pytest.raises(Locked) as caught:
        identify_by_passport(cpr="0101904321", passport="999999999", now=NOW, ip="10.0.0.1")
    assert caught.value.until == NOW + timedelta(minutes=15)
    # Even the right passport number waits, for this CPR number and from this address.
    with pytest.raises(Locked):
        identify_by_passport(cpr="0101904321", passport="206123456", now=NOW, ip="10.0.0.2")
    with pytest.raises(Locked):
        identify_by_passport(cpr="0202900000", passport="1", now=NOW, ip="10.0.0.1")
    later = NOW + timedelta(minutes=15)
    assert identify_by_passport(cpr="0101904321", passport="206123456", now=later).pk == person.pk


def test_fulfilment_by_post_takes_a_device_from_stock_and_tells_the_citizen(db):
    identity = make_person("eva-orders").identity
    person = identity.person
    make_device("code_display")
    order = place(person, "ship-1")
    for step in ("packed", "shipped", "delivered"):
        order = order_advance(reference=order.reference, to=step, now=NOW, actor="op")
    device = Device.objects.get(pk=order.device_id)
    assert device.status == "assigned" and device.assigned_to_id == identity.pk
    steps = list(OrderEvent.objects.filter(order=order).values_list("status", flat=True))
    assert steps == ["ordered", "packed", "shipped", "delivered"]
    assert OutboxMessage.objects.filter(to=person.phone, purpose="order_shipped").exists()


def test_steps_cannot_be_skipped(person):
    order = place(person, "skip-1")
    with pytest.raises(OrderRefused) as caught:
        order_advance(reference=order.reference, to="shipped", now=NOW, actor="op")
    assert caught.value.reason == "step"


def test_an_invoice_must_be_paid_before_packing(db):
    make_device("code_display")
    order = place(None, "anon-pay")
    with pytest.raises(OrderRefused) as caught:
        order_advance(reference=order.reference, to="packed", now=NOW, actor="op")
    assert caught.value.reason == "unpaid"
    order_mark_paid(reference=order.reference, now=NOW, actor="op")
    assert order_advance(reference=order.reference, to="packed", now=NOW, actor="op").device


def test_packing_without_stock_is_refused_and_changes_nothing(person):
    Device.objects.filter(kind="audio_code_reader").delete()
    order = place(person, "nostock", kind="audio_code_reader")
    with pytest.raises(OrderRefused) as caught:
        order_advance(reference=order.reference, to="packed", now=NOW, actor="op")
    assert caught.value.reason == "out_of_stock"
    assert Order.objects.get(pk=order.pk).status == "ordered"


def test_cancelling_a_packed_order_returns_its_device_to_stock(person):
    make_device("code_display")
    order = place(person, "cancel-packed")
    order = order_advance(reference=order.reference, to="packed", now=NOW, actor="op")
    serial = order.device.serial
    order_advance(reference=order.reference, to="cancelled", now=NOW, actor="op")
    assert Device.objects.get(serial=serial).status == "in_stock"


def test_the_fulfilment_desk_commands(capsys, person):
    import json

    from segl.cli import main

    make_device("code_display")
    order = place(person, "cli-1")
    assert main(["orders", "list", "--status", "ordered", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["orders"]
    assert [o["reference"] for o in listed] == [order.reference]
    assert main(["orders", "advance", order.reference.lower(), "packed", "--json"]) == 0
    packed = json.loads(capsys.readouterr().out)
    assert packed["status"] == "packed" and packed["serial"]
    assert main(["orders", "advance", order.reference, "delivered"]) == 2
    assert "step" in capsys.readouterr().err
    assert main(["orders", "paid", order.reference]) == 2  # free: no invoice
    assert "not_invoiced" in capsys.readouterr().err


def test_the_citizen_is_told_by_sms_and_by_e_mail(db):
    person = person_create(
        cpr="0303904321",
        given_name="Ida",
        family_name="Berg",
        address="Torvet 2, 8000 Aarhus C",
        phone="+4520654321",
        email="Ida.Berg@Example.DK",
    )
    assert person.email == "Ida.Berg@example.dk"
    make_device("code_display")
    order = place(person, "tell-1", delivery="pickup", centre="aarhus")
    for step in ("packed", "ready_for_pickup"):
        order_advance(reference=order.reference, to=step, now=NOW, actor="op")
    sent = OutboxMessage.objects.filter(purpose="order_ready_for_pickup")
    assert {(m.channel, m.to) for m in sent} == {
        ("sms", "+4520654321"),
        ("email", "Ida.Berg@example.dk"),
    }
    assert all("Borgerservice Aarhus" in m.text for m in sent)


def test_a_malformed_e_mail_address_is_refused(db):
    from segl.identities.services import IdentityError

    with pytest.raises(IdentityError) as caught:
        person_create(cpr="0404904321", given_name="A", family_name="B", email="not an address")
    assert caught.value.reason == "email"


def test_an_identified_persons_device_goes_to_their_registered_address_only(person):
    order = place(person, "elsewhere", recipient="Mallory", address="Evil Street 1", country="SE")
    assert (order.recipient, order.address, order.country) == (
        "Eva Holm",
        "Algade 1, 9000 Aalborg",
        "DK",
    )


def test_an_order_is_not_placed_at_a_price_the_citizen_was_not_shown(person):
    for n in range(3):
        place(person, f"free-{n}")
    with pytest.raises(OrderRefused) as refused:
        place(person, "shown-free", expected_price=0)
    assert refused.value.reason == "price_changed"
    assert not Order.objects.filter(idempotency_key="shown-free").exists()
    assert place(person, "shown-paid", expected_price=4176).price_ore == 4176


def test_someone_without_an_address_in_the_register_cannot_have_it_posted(db):
    person = person_create(cpr="0505904321", given_name="A", family_name="B")
    with pytest.raises(OrderRefused) as refused:
        place(person, "no-address", address="Typed Street 1")
    assert refused.value.reason == "address"
    assert place(person, "pickup", delivery="pickup", centre="aarhus").centre == "aarhus"
