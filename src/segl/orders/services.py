"""Ordering devices: price, place once, and move the order from stock to the citizen (identifying
by CPR number and passport number is in :mod:`.identification`). Every step is audited and the
citizen is told by SMS."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from segl.audit.services import audit_record
from segl.authenticators.models import Device
from segl.centres.registry import centres
from segl.core import ordering
from segl.core.calendar import delivery_window
from segl.core.cpr import mask_cpr
from segl.core.errors import SeglError
from segl.identities.models import Person
from segl.notify.notices import KIND_NAMES, send_to

from .models import Order, OrderEvent

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class OrderRefused(SeglError):
    code = "order_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def prices() -> ordering.Prices:
    config = settings.CONFIG
    return ordering.Prices(
        code_display=config.price_code_display_ore,
        audio_code_reader=config.price_audio_code_reader_ore,
        chip=config.price_chip_ore,
    )


# -- placing an order ---------------------------------------------------------------------------


def order_quote(
    *, kind: str, person: Person | None, delivery: str, country: str, now: datetime
) -> tuple[int, tuple[date, date]]:
    """What one more device of ``kind`` costs this person (øre), and when it is expected."""
    earlier = 0
    if person is not None:
        earlier = (
            Order.objects.filter(person=person, kind=kind)
            .exclude(status=Order.Status.CANCELLED)
            .count()
        )
    price = ordering.price_of(
        kind, identified=person is not None, earlier_of_kind=earlier, prices=prices()
    )
    window = delivery_window(
        timezone.localdate(now), abroad=delivery == Order.Delivery.POST and country != "DK"
    )
    return price, window


def _reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def _event(order: Order, now: datetime, actor: str) -> None:
    OrderEvent.objects.create(order=order, status=order.status, at=now, actor=actor)


def order_place(
    *,
    key: str,
    kind: str,
    person: Person | None,
    identified_by: str,
    delivery: str,
    recipient: str = "",
    address: str = "",
    country: str = "DK",
    centre: str = "",
    now: datetime,
    actor: str = "",
    ip: str = "",
    expected_price: int | None = None,
) -> Order:
    """Place an order once: the same ``key`` (one order form) gives back the same order.

    ``expected_price`` is the price the citizen was shown; if it is no longer the price (another
    order came first), nothing is placed and ``OrderRefused("price_changed")`` says so."""
    if not key or len(key) > 64:
        raise OrderRefused("key")
    existing = Order.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_order(existing, kind=kind, person=person)
    if kind not in Order.Kind.values:
        raise OrderRefused("kind")
    if delivery not in Order.Delivery.values:
        raise OrderRefused("delivery")
    if (person is None) != (identified_by == Order.IdentifiedBy.NONE):
        raise OrderRefused("identification")
    if delivery == Order.Delivery.PICKUP and centre not in centres():
        raise OrderRefused("centre")
    if person is not None:
        # An identified person's device goes to them at their address in the register, never
        # to an address typed into the form: knowing a CPR number and a passport number must
        # not be enough to have someone's device sent elsewhere.
        recipient, address, country = person.name, person.address, person.country
    if delivery == Order.Delivery.POST:
        address = address.strip()
        if not address:
            raise OrderRefused("address")
        country = (country or "DK").upper()[:2]
    recipient = recipient.strip()[:200]
    if not recipient:
        raise OrderRefused("recipient")
    try:
        with transaction.atomic():
            if person is not None:
                Person.objects.select_for_update().filter(pk=person.pk).first()
            price, (earliest, latest) = order_quote(
                kind=kind, person=person, delivery=delivery, country=country, now=now
            )
            if expected_price is not None and price != expected_price:
                raise OrderRefused("price_changed")
            order = Order.objects.create(
                reference=_reference(),
                idempotency_key=key,
                person=person,
                identified_by=identified_by,
                kind=kind,
                price_ore=price,
                payment=Order.Payment.FREE if price == 0 else Order.Payment.INVOICED,
                delivery=delivery,
                recipient=recipient,
                address=address if delivery == Order.Delivery.POST else "",
                country=country if delivery == Order.Delivery.POST else "DK",
                centre=centre if delivery == Order.Delivery.PICKUP else "",
                expected_earliest=earliest,
                expected_latest=latest,
                created_at=now,
                updated_at=now,
            )
            _event(order, now, actor)
            audit_record(
                action="order.place",
                actor=actor,
                subject=mask_cpr(person.cpr) if person else "",
                ip=ip,
                data={
                    "order": order.reference,
                    "kind": kind,
                    "price_ore": price,
                    "identified_by": identified_by,
                    "delivery": delivery,
                },
                at=now,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request placed it.
        return _same_order(Order.objects.get(idempotency_key=key), kind=kind, person=person)
    return order


def _same_order(order: Order, *, kind: str, person: Person | None) -> Order:
    if order.kind != kind or order.person_id != (person.pk if person else None):
        raise OrderRefused("key")
    return order


# -- fulfilment ---------------------------------------------------------------------------------

MESSAGES: dict[str, tuple[str, str]] = {
    Order.Status.SHIPPED.value: (
        "Din {kind} er sendt (ordre {ref}).",
        "Your {kind_en} has been sent (order {ref}).",
    ),
    Order.Status.READY.value: (
        "Din {kind} kan hentes i {centre} (ordre {ref}). Medbring legitimation.",
        "Your {kind_en} is ready for pickup at {centre}. Bring ID.",
    ),
}


def order_advance(*, reference: str, to: str, now: datetime, actor: str, ip: str = "") -> Order:
    """Move an order one step: packing takes a device of its kind from stock (and needs an
    invoice paid); each step is audited, and shipping or readiness is sent to the citizen."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(reference=reference).first()
        if order is None:
            raise OrderRefused("unknown_order")
        try:
            status = ordering.advance(order.status, delivery=order.delivery, to=to)
        except ordering.OrderStateError:
            raise OrderRefused("step") from None
        if status == Order.Status.PACKED:
            if order.payment == Order.Payment.INVOICED:
                raise OrderRefused("unpaid")
            order.device = _take_from_stock(order)
        if status == Order.Status.CANCELLED and order.device_id is not None:
            Device.objects.filter(pk=order.device_id).update(
                status=Device.Status.IN_STOCK, assigned_to=None
            )
            order.device = None
        order.status, order.updated_at = status, now
        order.save(update_fields=["status", "device", "updated_at"])
        _event(order, now, actor)
        audit_record(
            action="order.advance",
            outcome=status,
            actor=actor,
            ip=ip,
            data={"order": order.reference, "serial": order.device.serial if order.device else ""},
            at=now,
        )
        _tell(order, now)
    return order


def _take_from_stock(order: Order) -> Device:
    device = (
        Device.objects.select_for_update(skip_locked=True, of=("self",))
        # A device delivered to a citizen service centre stays there, for its desk.
        .filter(kind=order.kind, status=Device.Status.IN_STOCK, stocked=None)
        .order_by("serial")
        .first()
    )
    if device is None:
        raise OrderRefused("out_of_stock")
    device.status = Device.Status.ASSIGNED
    # Only the person it is sent to can activate it (seed 001).
    identity = getattr(order.person, "identity", None) if order.person else None
    device.assigned_to = identity
    device.save(update_fields=["status", "assigned_to"])
    return device


def _tell(order: Order, now: datetime) -> None:
    """Shipped or ready for pickup: the person who ordered is told."""
    templates = MESSAGES.get(str(order.status))
    if templates is None or order.person is None:
        return
    centre = centres().get(order.centre)
    danish, english = (
        template.format(
            kind=KIND_NAMES[order.kind][0],
            kind_en=KIND_NAMES[order.kind][1],
            ref=order.reference,
            centre=centre.name if centre else "",
        )
        for template in templates
    )
    send_to(order.person, danish=danish, english=english, purpose=f"order_{order.status}", now=now)


def orders_to_hand_over(person: Person, centre: str) -> list[Order]:
    """The person's orders waiting for them at ``centre``."""
    return list(
        Order.objects.filter(person=person, centre=centre, status=Order.Status.READY)
        .select_related("device")
        .order_by("created_at")
    )


def order_hand_over(
    *, reference: str, person: Person, centre: str, now: datetime, actor: str, document: str
) -> Order:
    """The desk hands a pickup order to the person it is for, whose ID document was checked
    (``document``, for the audit log); the order is collected."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(reference=reference, person=person, centre=centre, status=Order.Status.READY)
            .first()
        )
        if order is None:
            raise OrderRefused("unknown_order")
        audit_record(
            action="order.hand_over",
            actor=actor,
            subject=mask_cpr(person.cpr),
            data={"order": order.reference, "centre": centre, "document": document},
            at=now,
        )
        return order_advance(reference=reference, to=Order.Status.COLLECTED, now=now, actor=actor)


def order_mark_paid(*, reference: str, now: datetime, actor: str, ip: str = "") -> Order:
    """An operator marks an invoice paid (the default payment provider)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(reference=reference).first()
        if order is None:
            raise OrderRefused("unknown_order")
        if order.payment != Order.Payment.INVOICED:
            raise OrderRefused("not_invoiced")
        order.payment, order.updated_at = Order.Payment.PAID, now
        order.save(update_fields=["payment", "updated_at"])
        audit_record(
            action="order.paid", actor=actor, ip=ip, data={"order": order.reference}, at=now
        )
    return order


def order_step(*, reference: str, to: str, now: datetime, actor: str, ip: str = "") -> Order:
    """One step on the fulfilment page: ``paid`` records the payment of an invoice, any other
    ``to`` is the status the order moves to; never collected: a pickup order is handed over
    at the desk, where the person's ID is checked (:func:`order_hand_over`)."""
    if to == Order.Status.COLLECTED:
        raise OrderRefused("at_the_desk")
    if to == "paid":
        return order_mark_paid(reference=reference, now=now, actor=actor, ip=ip)
    return order_advance(reference=reference, to=to, now=now, actor=actor, ip=ip)


def order_summary(order: Order) -> dict[str, Any]:
    return {
        "reference": order.reference,
        "kind": order.kind,
        "status": order.status,
        "price_ore": order.price_ore,
        "payment": order.payment,
        "delivery": order.delivery,
        "expected": [order.expected_earliest.isoformat(), order.expected_latest.isoformat()],
        "serial": order.device.serial if order.device else None,
    }
