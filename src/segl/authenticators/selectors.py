"""Reading the device inventory and the authenticators identities have."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from segl.identities.models import Identity

from .models import DEVICE_KINDS, Authenticator, Device


def device_kinds() -> tuple[str, ...]:
    """The kinds of device the inventory holds (an import names one per seed)."""
    return tuple(str(kind) for kind in DEVICE_KINDS)


def device_by_serial(serial: str) -> Device | None:
    """The device with this serial number, in the inventory's form."""
    return Device.objects.filter(serial=serial).first()


def devices_list(*, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The inventory by serial number: serial, kind, status and batch of each device."""
    found = Device.objects.order_by("serial").values("serial", "kind", "status", "batch")
    if status:
        found = found.filter(status=status)
    return [dict(row) for row in found[:limit]]


def authenticators_of(identity: Identity) -> list[Authenticator]:
    """Every authenticator of an identity, in any status, with its device."""
    return list(
        Authenticator.objects.filter(identity=identity).select_related("device").order_by("pk")
    )


def active_devices_of(user_ids: Iterable[str]) -> list[Authenticator]:
    """The active device authenticators of these user IDs, by user ID and kind."""
    return list(
        Authenticator.objects.filter(
            status=Authenticator.Status.ACTIVE,
            device__isnull=False,
            identity__user_id__in=list(user_ids),
        )
        .select_related("identity", "device")
        .order_by("identity__user_id", "kind")
    )
