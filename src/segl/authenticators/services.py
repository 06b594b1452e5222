"""Writing authenticators and devices: import, activate, verify a code (:mod:`.codes`), suspend,
retire. Every service owns its transaction and writes the audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from segl.audit.services import audit_record
from segl.core import lifecycle, otp, serials
from segl.core.errors import TransitionRefused
from segl.core.lifecycle import Event
from segl.core.pskc import TokenSeed
from segl.core.throttle import FailureState
from segl.identities import failures
from segl.identities.models import Identity
from segl.identities.services import new_password_fields, password_hash_new
from segl.keys import device_aad, keyring

from .codes import code_policy, device_verify_code
from .errors import DeviceError
from .models import DEVICE_KINDS, Authenticator, Device, Kind
from .registry import KINDS

IMPORT_BATCH_SIZE = 1000

# A device in stock or on its way to someone: no authenticator yet, only activation is next.
NOT_ACTIVATED = (Device.Status.IN_STOCK, Device.Status.ASSIGNED)


def _life_of(device: Device) -> lifecycle.Status:
    """Where a device is in its authenticator's life (:mod:`segl.core.lifecycle`)."""
    if device.status in NOT_ACTIVATED:
        return lifecycle.Status.NEW
    return lifecycle.Status(device.status)


@dataclass(frozen=True)
class ImportResult:
    imported: int
    batch: str


def device_import(
    *,
    seeds: Iterable[TokenSeed],
    kind_of: Callable[[TokenSeed], str],
    batch: str,
    on_progress: Callable[[int], None] | None = None,
    actor: str = "",
) -> ImportResult:
    """Put seeds from a vendor's PSKC file into the inventory, all or nothing: one serial not in
    the inventory's form (:mod:`segl.core.serials`) or already in it fails the whole import."""
    ring, count = keyring(), 0
    with transaction.atomic():
        chunk: list[Device] = []

        def flush() -> None:
            nonlocal chunk
            wanted = [d.serial for d in chunk]
            clash = Device.objects.filter(serial__in=wanted).values_list("serial", flat=True)
            if clash:
                raise DeviceError(f"serial {next(iter(clash))} is already in the inventory")
            Device.objects.bulk_create(chunk)
            if on_progress:
                on_progress(len(chunk))
            chunk = []

        for seed in seeds:
            if not serials.is_serial(seed.serial):
                raise DeviceError(f"serial {seed.serial!r}: {serials.RULE}")
            kind = kind_of(seed)
            if kind not in DEVICE_KINDS:
                raise DeviceError(f"{seed.serial}: unknown device kind {kind!r}")
            chunk.append(
                Device(
                    serial=seed.serial,
                    kind=kind,
                    algorithm=seed.algorithm,
                    hash_algorithm=seed.hash_algorithm,
                    digits=seed.digits,
                    period=seed.period or 30,
                    t0=seed.t0,
                    counter=seed.counter,
                    seed=ring.encrypt(seed.secret.reveal(), aad=device_aad(seed.serial)),
                    batch=batch,
                )
            )
            count += 1
            if len(chunk) >= IMPORT_BATCH_SIZE:
                flush()
        if chunk:
            flush()
        audit_record(action="devices.import", actor=actor, data={"batch": batch, "count": count})
    return ImportResult(imported=count, batch=batch)


def device_resync(*, serial: str, code1: str, code2: str, now: datetime, actor: str = "") -> Device:
    """Bring an HOTP token's counter back in step from two consecutive codes (RFC 4226 §7.4)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(serial=serial).first()
        if device is None:
            raise DeviceError("unknown_serial")
        if device.algorithm != "hotp":
            raise DeviceError("not_hotp")
        if device.disabled_at is not None:
            raise DeviceError("disabled")  # blocked for good: another device takes its place
        secret = keyring().decrypt(device.seed, aad=device_aad(device.serial))
        state = otp.resync_hotp(
            secret,
            otp.normalise_code(code1, device.digits),
            otp.normalise_code(code2, device.digits),
            state=otp.HotpState(counter=device.counter),
            digits=device.digits,
            algorithm=device.hash_algorithm,  # type: ignore[arg-type]
        )
        device.counter = state.counter
        device.save(update_fields=["counter", *failures.store(device, FailureState())])
        audit_record(
            action="device.resync",
            actor=actor,
            subject=serial,
            data={"counter": state.counter},
            at=now,
        )
    return device


def devices_rotate_seeds(*, batch_size: int = 1000, actor: str = "") -> int:
    """Re-encrypt every seed not yet under the active key; returns how many were rotated."""
    ring = keyring()
    rotated = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Device.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            if not chunk:
                break
            changed = []
            for device in chunk:
                if ring.needs_rotation(device.seed):
                    device.seed = ring.rotate(device.seed, aad=device_aad(device.serial))
                    changed.append(device)
            Device.objects.bulk_update(changed, ["seed"])
            rotated += len(changed)
            last_pk = chunk[-1].pk
    with transaction.atomic():
        audit_record(
            action="keys.rotate", actor=actor, data={"rotated": rotated, "active": ring.active}
        )
    return rotated


def device_activate(
    *,
    identity: Identity,
    serial: str,
    code: str,
    now: datetime,
    password: str | None = None,
    actor: str = "",
    ip: str = "",
) -> Authenticator:
    """Activate a code display or audio code reader for an identified person (seed 001).

    The serial from the back and the code shown prove possession. One active device per kind:
    a new one retires the old one. Only the person a device was assigned to may activate it.
    A ``password`` (created and confirmed by the citizen) is checked against the policy before
    the code is spent and set in the same transaction as the activation.
    """
    password_hash = password_hash_new(password, user_id=identity.user_id) if password else None
    # A chip in the inventory is activated by a WebAuthn registration (segl.chip), not a code.
    device = Device.objects.filter(serial=serial, kind__in=DEVICE_KINDS).first()
    if device is None:
        audit_record(
            action="device.activate",
            outcome="unknown_serial",
            actor=actor,
            subject=identity.user_id,
            ip=ip,
            data={"serial": serial},
            at=now,
        )
        raise DeviceError("unknown_serial")
    if device.assigned_to_id not in (None, identity.pk):
        audit_record(
            action="device.activate",
            outcome="not_yours",
            actor=actor,
            subject=identity.user_id,
            ip=ip,
            data={"serial": serial},
            at=now,
        )
        raise DeviceError("not_yours")
    device_verify_code(
        device_id=device.pk,
        code=code,
        now=now,
        usable=NOT_ACTIVATED,
        ip=ip,
        actor=actor,
        context={"purpose": "activation"},
    )
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        try:
            activated = lifecycle.apply(_life_of(device), Event.ACTIVATE)
        except TransitionRefused:
            raise DeviceError(f"device is {device.status}") from None
        retired = []
        for old in (
            Authenticator.objects.select_for_update(of=("self",))
            .filter(identity=identity, kind=device.kind, status=Authenticator.Status.ACTIVE)
            .select_related("device")
        ):
            _step(old, Event.RETIRE, now=now)
            retired.append(old.device.serial if old.device else str(old.pk))
        device.status = activated.value
        device.assigned_to = identity
        device.save(update_fields=["status", "assigned_to"])
        authenticator = Authenticator.objects.create(
            identity=identity,
            kind=device.kind,
            device=device,
            status=activated.value,
            activated_at=now,
        )
        if not identity.preferred_method:
            identity.preferred_method = device.kind
        fields = ["preferred_method"]
        if password_hash is not None:
            fields += new_password_fields(identity, password_hash, now)
        identity.save(update_fields=fields)
        audit_record(
            action="device.activate",
            actor=actor,
            subject=identity.user_id,
            ip=ip,
            data={"serial": serial, "kind": device.kind, "retired": retired},
            at=now,
        )
    return authenticator


def _step(authenticator: Authenticator, event: Event, *, now: datetime) -> None:
    """Move a locked authenticator (and its device) one step in its life (:mod:`segl.core.
    lifecycle`); a step that does not follow raises :class:`TransitionRefused`, changing
    nothing."""
    after = lifecycle.apply(authenticator.status, event)
    authenticator.status = after.value
    fields = ["status"]
    if after is lifecycle.Status.RETIRED:
        authenticator.retired_at = now
        fields.append("retired_at")
    authenticator.save(update_fields=fields)
    if authenticator.device is not None:
        # A device's status follows its authenticator's once it is activated (same values).
        authenticator.device.status = after.value
        authenticator.device.save(update_fields=["status"])
    kind = KINDS.get(authenticator.kind)
    if kind is not None and event is Event.SUSPEND:  # the kind drops its own state (an unlock)
        kind.on_suspend(authenticator=authenticator, now=now)
    elif kind is not None and event is Event.RETIRE:
        kind.on_retire(authenticator=authenticator, now=now)


def _locked(authenticator_id: int) -> Authenticator:
    return (
        Authenticator.objects.select_for_update(of=("self",))
        .select_related("device", "identity")
        .get(pk=authenticator_id)
    )


def _change(
    *,
    authenticator_id: int,
    event: Event,
    now: datetime,
    actor: str,
    ip: str,
    data: dict[str, str] | None = None,
) -> Authenticator:
    """One step under the row lock, audited; a refused step is audited as refused too, so an
    operator sees who tried to act on what."""
    with transaction.atomic():
        auth = _locked(authenticator_id)
        before = auth.status
        try:
            _step(auth, event, now=now)
        except TransitionRefused as exc:
            refusal: TransitionRefused | None = exc
        else:
            refusal = None
        audit_record(
            action=f"authenticator.{event.value}",
            outcome="ok" if refusal is None else "refused",
            actor=actor,
            subject=auth.identity.user_id,
            ip=ip,
            data={"kind": auth.kind, **(data or {}), **({"status": before} if refusal else {})},
            at=now,
        )
    if refusal is not None:
        raise refusal
    return auth


def authenticator_retire(
    *, authenticator_id: int, now: datetime, actor: str = "", ip: str = ""
) -> Authenticator:
    """Retire for good (replaced, removed by its owner); an active or suspended one."""
    return _change(
        authenticator_id=authenticator_id, event=Event.RETIRE, now=now, actor=actor, ip=ip
    )


def authenticator_suspend(
    *, authenticator_id: int, now: datetime, reason: str, actor: str = "", ip: str = ""
) -> Authenticator:
    """Suspend an active one until reinstated (a device reported lost, fraud, an app locked by
    wrong PINs); logins with it fail."""
    return _change(
        authenticator_id=authenticator_id,
        event=Event.SUSPEND,
        now=now,
        actor=actor,
        ip=ip,
        data={"reason": reason},
    )


def authenticator_reinstate(
    *, authenticator_id: int, now: datetime, actor: str = "", ip: str = ""
) -> Authenticator:
    """Make a suspended one active again; a retired one stays retired."""
    return _change(
        authenticator_id=authenticator_id, event=Event.REINSTATE, now=now, actor=actor, ip=ip
    )


__all__ = [
    "DeviceError",
    "ImportResult",
    "Kind",
    "TransitionRefused",
    "authenticator_reinstate",
    "authenticator_retire",
    "authenticator_suspend",
    "code_policy",
    "device_activate",
    "device_import",
    "device_verify_code",
]
