"""A centre's stock of devices: delivered from the central inventory, counted at the centre,
handed over at the desk. A device in a centre's stock is never sent out with an order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count

from segl.audit.services import audit_record
from segl.authenticators.models import Device
from segl.core.serials import is_serial, normalise_serial
from segl.identities.models import Identity

from .models import StockedDevice, Visit
from .registry import centres
from .staff import StaffRefused
from .visits import desk_audit

KINDS = ("code_display", "audio_code_reader", "chip")


@dataclass(frozen=True)
class StockLine:
    kind: str
    count: int
    last_counted: datetime | None


def stock_deliver(*, centre: str, kind: str, count: int, now: datetime, actor: str) -> list[str]:
    """Move ``count`` devices of ``kind`` from the central inventory to ``centre``; returns their
    serials. Refused, moving none, if the central inventory holds fewer."""
    if centre not in centres():
        raise StaffRefused("unknown_centre")
    if kind not in KINDS or not 1 <= count <= 1000:
        raise StaffRefused("stock_request")
    with transaction.atomic():
        devices = list(
            Device.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(kind=kind, status=Device.Status.IN_STOCK, assigned_to=None, stocked=None)
            .order_by("serial")[:count]
        )
        if len(devices) < count:
            raise StaffRefused("out_of_stock")
        StockedDevice.objects.bulk_create(
            StockedDevice(device=d, centre=centre, delivered_at=now, delivered_by=actor)
            for d in devices
        )
        audit_record(
            action="stock.deliver",
            actor=actor,
            data={"centre": centre, "kind": kind, "count": count},
            at=now,
        )
    return [d.serial for d in devices]


def stock_at(centre: str) -> list[StockLine]:
    """What the centre holds now, by kind."""
    rows = {
        r["device__kind"]: r
        for r in StockedDevice.objects.filter(centre=centre, handed_over_at=None)
        .values("device__kind")
        .annotate(n=Count("pk"))
    }
    lines = []
    for kind in KINDS:
        last = (
            StockedDevice.objects.filter(centre=centre, device__kind=kind)
            .exclude(counted_at=None)
            .order_by("-counted_at")
            .values_list("counted_at", flat=True)
            .first()
        )
        lines.append(StockLine(kind, rows[kind]["n"] if kind in rows else 0, last))
    return lines


def stock_count(*, centre: str, kind: str, counted: int, operator: Identity, now: datetime) -> int:
    """Record a count of the shelf; returns the difference from what segl holds (0 = agrees).
    A difference is audited as such, for the supervisor to look into."""
    held = StockedDevice.objects.filter(centre=centre, device__kind=kind, handed_over_at=None)
    with transaction.atomic():
        expected = held.count()
        held.update(counted_at=now)
        desk_audit(
            "stock_count",
            operator=operator,
            centre=centre,
            outcome="ok" if counted == expected else "difference",
            now=now,
            kind=kind,
            counted=counted,
            expected=expected,
        )
    return counted - expected


def handover_device(*, visit: Visit, serial: str) -> str:
    """The serial of a device the operator may hand over to the citizen of ``visit``: from this
    centre's stock, or sent to them (a pickup order)."""
    if not visit.photo_id:
        raise StaffRefused("photo_id_needed")  # without photo ID, what they get comes by letter
    serial = normalise_serial(serial)
    if not is_serial(serial):
        raise StaffRefused("unknown_serial")
    device = Device.objects.filter(serial=serial).select_related("stocked").first()
    if device is None or device.status not in (Device.Status.IN_STOCK, Device.Status.ASSIGNED):
        raise StaffRefused("unknown_serial")
    stocked = getattr(device, "stocked", None)
    at_centre = (
        stocked is not None and stocked.centre == visit.centre and not stocked.handed_over_at
    )
    identity = Identity.objects.filter(person=visit.person).first()
    theirs = identity is not None and device.assigned_to_id == identity.pk
    if not (at_centre or theirs):
        raise StaffRefused("not_in_stock")
    return serial


def devices_waiting(limit: int = 20) -> list[tuple[Device, str]]:
    """Devices no one has yet, each with the centre whose shelf holds it ("" for the central
    inventory): what the demo's front page lists for handing over and activating."""
    devices = (
        Device.objects.filter(status=Device.Status.IN_STOCK, assigned_to=None)
        .select_related("stocked")
        .order_by("kind", "serial")[:limit]
    )
    return [(d, d.stocked.centre if hasattr(d, "stocked") else "") for d in devices]
