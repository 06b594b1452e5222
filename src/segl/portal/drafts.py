"""An order in the making (seed 000): what the citizen chose on the order form, quoted on the
confirmation page and placed at the price they saw there.

A draft holds only plain values (it waits in the browser's session between the two pages); the
person it names is read again when it is quoted and placed.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from segl.centres.registry import Centre, centres
from segl.identities.models import Identity, Person
from segl.orders.models import Order
from segl.orders.services import OrderRefused, order_place, order_quote


@dataclass(frozen=True)
class Draft:
    key: str  # one order form: the same key placed twice gives one order
    kind: str
    identified_by: str
    person: int | None
    delivery: str
    centre: str
    recipient: str
    address: str
    country: str
    price: int | None = None  # the price the confirmation page showed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: object) -> Draft | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(**raw)
        except TypeError:
            return None


@dataclass(frozen=True)
class Quote:
    """What the confirmation page shows, and the draft priced as shown."""

    draft: Draft
    person: Person | None
    kind_label: str
    price_ore: int
    earliest: date
    latest: date
    centre: Centre | None
    recipient: str
    address: str
    show_address: bool
    abroad: bool

    def as_context(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def draft_make(
    *,
    kind: str,
    person: Person | None,
    identified_by: str,
    delivery: str,
    centre: str = "",
    recipient: str = "",
    address: str = "",
    country: str = "",
) -> Draft:
    """A new draft for ``person`` (None: not identified). Refuses ``no_address`` when an
    identified person wants it by post and the people register has no address for them."""
    if person is not None and delivery == Order.Delivery.POST and not person.address.strip():
        raise OrderRefused("no_address")
    anonymous = person is None
    return Draft(
        key=secrets.token_urlsafe(24),
        kind=kind,
        identified_by=identified_by,
        person=person.pk if person else None,
        delivery=delivery,
        centre=centre,
        # An identified person's device goes to their address in the register.
        recipient=recipient.strip() if anonymous else "",
        address=address.strip() if anonymous else "",
        country=(country or "DK") if anonymous else "",
    )


def draft_quote(draft: Draft, *, now: datetime) -> Quote:
    """The draft at today's price; the price shown is the price the order is placed at."""
    person = Person.objects.filter(pk=draft.person).first() if draft.person else None
    country = person.country if person else draft.country
    price, (earliest, latest) = order_quote(
        kind=draft.kind, person=person, delivery=draft.delivery, country=country, now=now
    )
    return Quote(
        draft=replace(draft, price=price),
        person=person,
        kind_label=str(dict(Order.Kind.choices)[draft.kind]),
        price_ore=price,
        earliest=earliest,
        latest=latest,
        centre=centres().get(draft.centre),
        recipient=person.name if person else draft.recipient,
        address=person.address if person else draft.address,
        # Someone who gave a CPR number and a passport number does not see the address.
        show_address=draft.identified_by != Order.IdentifiedBy.PASSPORT,
        abroad=draft.delivery == Order.Delivery.POST and country != "DK",
    )


def draft_place(*, draft: Draft, identity: Identity | None, now: datetime, ip: str = "") -> Order:
    """Place the draft at the price it was shown at (``price_changed`` if that is no longer the
    price). A draft made while logged in is placed only by the same person, still logged in
    (``login_changed``)."""
    if draft.price is None:
        raise OrderRefused("price_changed")
    if draft.identified_by == Order.IdentifiedBy.LOGIN and (
        identity is None or identity.person.pk != draft.person
    ):
        raise OrderRefused("login_changed")
    person = Person.objects.filter(pk=draft.person).first() if draft.person else None
    return order_place(
        key=draft.key,
        kind=draft.kind,
        person=person,
        identified_by=draft.identified_by,
        delivery=draft.delivery,
        recipient=draft.recipient,
        address=draft.address,
        country=draft.country,
        centre=draft.centre,
        now=now,
        actor=identity.user_id if identity else "citizen",
        ip=ip,
        expected_price=draft.price,
    )
