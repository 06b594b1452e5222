"""What a citizen does to their own segl on the portal: every service takes the identity that is
logged in and touches only what belongs to it, owns its transaction, audits and notifies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from segl.audit.services import audit_record
from segl.authenticators.models import Authenticator, Device, Kind
from segl.authenticators.registry import kind_of
from segl.authenticators.services import (
    DeviceError,
    authenticator_retire,
    authenticator_suspend,
)
from segl.changes.models import DelayedChange
from segl.changes.services import ChangeRefused, change_cancel, changes_pending
from segl.chip.kind import ChipProof
from segl.chip.services import registration_begin, registration_identity
from segl.codedevice.kind import DeviceProof
from segl.core.errors import SeglError
from segl.core.serials import normalise_serial
from segl.http import hit
from segl.identities.models import Activity, Identity, Person
from segl.identities.services import check_user_id, identity_set_password, identity_verify_password
from segl.notify.notices import tell

# Whether a user ID is taken is worth knowing to someone guessing them: a few an hour.
USER_ID_TRIES_PER_HOUR = 10


class PortalRefused(SeglError):
    code = "portal_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _own_locked(identity: Identity, authenticator_id: int) -> Authenticator:
    """The identity's authenticator, locked, so two tabs cannot both act on one state."""
    auth = (
        Authenticator.objects.select_for_update(of=("self",))
        .select_related("identity__person")
        .filter(pk=authenticator_id, identity=identity)
        .first()
    )
    if auth is None:
        raise PortalRefused("not_found")
    return auth


def rename_app(
    *, identity: Identity, authenticator_id: int, name: str, now: datetime, ip: str = ""
) -> None:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 64:
        raise PortalRefused("name_length")
    with transaction.atomic():
        auth = _own_locked(identity, authenticator_id)
        if auth.kind != "app" or auth.status != Authenticator.Status.ACTIVE:
            raise PortalRefused("not_an_app")
        Authenticator.objects.filter(pk=auth.pk).update(name=name)
        audit_record(
            action="authenticator.rename",
            actor="citizen",
            subject=identity.user_id,
            ip=ip,
            data={"authenticator": auth.pk, "old": auth.name, "new": name},
            at=now,
        )


def retire(*, identity: Identity, authenticator_id: int, now: datetime, ip: str = "") -> None:
    with transaction.atomic():
        auth = _own_locked(identity, authenticator_id)
        if auth.status == Authenticator.Status.RETIRED:
            raise PortalRefused("already_retired")
        authenticator_retire(authenticator_id=auth.pk, now=now, actor="citizen", ip=ip)
        tell(identity.person, "authenticator_retired", kind=auth.kind, now=now)


def report_lost(*, identity: Identity, authenticator_id: int, now: datetime, ip: str = "") -> None:
    """Suspend at once: a login with it fails from this moment."""
    with transaction.atomic():
        auth = _own_locked(identity, authenticator_id)
        if auth.status != Authenticator.Status.ACTIVE:
            raise PortalRefused("not_active")
        authenticator_suspend(
            authenticator_id=auth.pk, now=now, reason="lost", actor="citizen", ip=ip
        )
        tell(identity.person, "authenticator_lost", kind=auth.kind, now=now)


@dataclass(frozen=True)
class Activated:
    authenticator: Authenticator
    retired_serials: list[str]


def activate_device(
    *,
    identity: Identity | None,
    person: Person | None = None,
    serial: str,
    code: str,
    password: str,
    now: datetime,
    ip: str = "",
) -> Activated:
    """Seed 001: the serial from the back, the code shown or read aloud, a new password. The
    citizen is logged in (``identity``) or identified by CPR number and passport number
    (``person``, whose segl the device joins: ``no_identity`` if they have none in use).

    Only a device sent out on an order can be activated here, and only by the person it went
    to. A device from an order placed without identification needs a login (decision 14): a
    CPR number and a passport number are things others can know."""
    logged_in = identity is not None
    identity = _activating(identity, person)
    serial = normalise_serial(serial)
    device = _sent(serial, logged_in=logged_in)
    previous = list(
        Authenticator.objects.filter(
            identity=identity, kind=device.kind, status=Authenticator.Status.ACTIVE
        ).select_related("device")
    )
    proof = DeviceProof(serial=serial, code=code, password=password, actor="citizen", ip=ip)
    auth = kind_of(device.kind).activate(identity=identity, proof=proof, now=now)
    tell(identity.person, "new_authenticator", kind=auth.kind, now=now)
    if previous:
        tell(identity.person, "authenticator_retired", kind=auth.kind, now=now)
    return Activated(auth, [a.device.serial for a in previous if a.device is not None])


def _activating(identity: Identity | None, person: Person | None) -> Identity:
    """The identity a device joins: the logged-in one, or the identified person's."""
    if identity is None:
        identity = Identity.objects.filter(person=person).first() if person else None
        if identity is None or not identity.is_active:
            raise PortalRefused("no_identity")
    return identity


def _sent(serial: str, *, logged_in: bool) -> Device:
    """The device with this serial, if it was sent out on an order (decision 14)."""
    device = Device.objects.filter(serial=serial).first()
    if device is None or device.status != Device.Status.ASSIGNED:
        # Unknown, still in stock, already active: the same answer, so serials cannot be probed.
        raise DeviceError("unknown_serial")
    if device.assigned_to_id is None and not logged_in:
        raise DeviceError("login_needed")
    return device


def chip_activation_begin(
    *, identity: Identity, serial: str, password: str, now: datetime
) -> tuple[dict[str, Any], str]:
    """The first half of a chip's activation by a logged-in citizen: the serial from the back, a
    new password; the chip answers next (``segl.chip.services.registration_finish``, through the
    kind). Only a chip sent to this identity: a chip has no code to prove it is the one in
    hand, so one from an order placed without identification is activated at a centre. The
    options for the browser and the challenge's id."""
    serial = normalise_serial(serial)
    device = _sent(serial, logged_in=True)
    if device.kind != Kind.CHIP:
        raise DeviceError("wrong_kind")
    if device.assigned_to_id != identity.pk:
        raise DeviceError("not_yours")
    return registration_begin(identity=identity, serial=serial, now=now, password=password)


def chip_activation_finish(
    *, challenge_id: str, reply: Mapping[str, Any], now: datetime
) -> Activated:
    """The chip's answer to :func:`chip_activation_begin`'s challenge: the chip is activated
    for the identity the challenge was made for, and the person told."""
    identity = registration_identity(challenge_id)
    previous = [
        a.device.serial
        for a in Authenticator.objects.filter(
            identity=identity, kind=Kind.CHIP, status=Authenticator.Status.ACTIVE
        ).select_related("device")
        if a.device is not None
    ]
    auth = kind_of(Kind.CHIP).activate(
        identity=identity, proof=ChipProof(challenge_id=challenge_id, response=reply), now=now
    )
    tell(identity.person, "new_authenticator", kind=auth.kind, now=now)
    if previous:
        tell(identity.person, "authenticator_retired", kind=auth.kind, now=now)
    return Activated(auth, previous)


def change_password(
    *, identity: Identity, current: str | None, new: str, now: datetime, ip: str = ""
) -> None:
    """``current`` is the password the citizen typed, or None after a fresh login (which
    proved as much)."""
    if current is not None:
        identity_verify_password(identity_id=identity.pk, password=current, now=now, ip=ip)
    identity_set_password(identity=identity, password=new, now=now, actor="citizen", ip=ip)
    tell(identity.person, "password_changed", now=now)


def change_user_id(*, identity: Identity, new: str, now: datetime, ip: str = "") -> str:
    if hit(f"portal-user-id:{identity.pk}", USER_ID_TRIES_PER_HOUR, window=3600):
        raise PortalRefused("user_id_tries")
    user_id = check_user_id(new)
    if user_id == identity.user_id:
        raise PortalRefused("user_id_same")
    old = identity.user_id
    try:
        with transaction.atomic():
            taken = Identity.objects.filter(user_id__iexact=user_id).exclude(pk=identity.pk)
            if taken.exists():
                raise PortalRefused("user_id_taken")
            Identity.objects.filter(pk=identity.pk).update(user_id=user_id)
            audit_record(
                action="identity.user_id",
                actor="citizen",
                subject=user_id,
                ip=ip,
                data={"old": old},
                at=now,
            )
    except IntegrityError:
        raise PortalRefused("user_id_taken") from None
    tell(identity.person, "user_id_changed", now=now)
    return user_id


def pending_changes(identity: Identity) -> list[DelayedChange]:
    return changes_pending(identity=identity)


def cancel_change(*, identity: Identity, change_id: int, now: datetime, ip: str = "") -> None:
    try:
        change_cancel(identity=identity, change_id=change_id, now=now, ip=ip)
    except ChangeRefused:
        raise PortalRefused("not_found") from None


def report_not_me(*, identity: Identity, activity_id: int, now: datetime, ip: str = "") -> bool:
    """ "This was not me": suspend what was used and record a fraud report. True if something
    was suspended (what was used may have been retired or blocked already)."""
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update().filter(pk=activity_id, identity=identity).first()
        )
        if activity is None:
            raise PortalRefused("not_found")
        if activity.reported_at is not None:
            raise PortalRefused("already_reported")
        activity.reported_at = now
        activity.save(update_fields=["reported_at"])
        # Locked before its status is read, so the suspension below cannot be refused by a
        # change another tab made in between (segl.core.lifecycle).
        used = activity.authenticator_id
        auth = Authenticator.objects.select_for_update().filter(pk=used).first() if used else None
        suspended = auth is not None and auth.status == Authenticator.Status.ACTIVE
        if suspended and auth is not None:
            authenticator_suspend(
                authenticator_id=auth.pk, now=now, reason="fraud", actor="citizen", ip=ip
            )
        audit_record(
            action="fraud.report",
            actor="citizen",
            subject=identity.user_id,
            ip=ip,
            data={
                "flow": activity.flow_id,
                "rp": activity.client_id,
                "method": activity.method,
                "suspended": suspended,
            },
            at=now,
        )
        tell(identity.person, "fraud_report" if suspended else "fraud_report_recorded", now=now)
    return suspended
