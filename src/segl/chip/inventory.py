"""Chips into the inventory: a vendor's (or the factory's) batch file lists serials and the
model's AAGUID; each chip becomes a :class:`~segl.authenticators.models.Device` of kind
``chip`` with no seed, to be packed, shipped and activated like the other devices."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from segl.audit.services import audit_record
from segl.authenticators.errors import DeviceError
from segl.authenticators.models import Device, Kind
from segl.core import serials


def chips_import(*, serials_: Iterable[str], aaguid: str, batch: str, actor: str = "") -> int:
    """Add the batch's chips, all or nothing, each with its model (the AAGUID its registration
    must show); returns how many."""
    wanted = list(serials_)
    for serial in wanted:
        if not serials.is_serial(serial):
            raise DeviceError(f"serial {serial!r}: {serials.RULE}")
    with transaction.atomic():
        clash = Device.objects.filter(serial__in=wanted).values_list("serial", flat=True)
        if clash:
            raise DeviceError(f"serial {next(iter(clash))} is already in the inventory")
        Device.objects.bulk_create(
            Device(serial=serial, kind=Kind.CHIP, algorithm="", seed="", batch=batch, model=aaguid)
            for serial in wanted
        )
        audit_record(
            action="devices.import",
            actor=actor,
            data={"batch": batch, "count": len(wanted), "kind": Kind.CHIP, "aaguid": aaguid},
        )
    return len(wanted)


def chips_import_file(*, path: Path, actor: str = "") -> int:
    """Import a batch file (``segl-chip-batch/1``: batch, aaguid, serials)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != "segl-chip-batch/1":
            raise ValueError("not a chip batch file")
        aaguid, batch, listed = str(uuid.UUID(data["aaguid"])), str(data["batch"]), data["serials"]
        if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
            raise ValueError("serials must be a list of serial numbers")
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        raise DeviceError(f"{path.name}: {exc}") from None
    return chips_import(serials_=listed, aaguid=aaguid, batch=batch, actor=actor)
