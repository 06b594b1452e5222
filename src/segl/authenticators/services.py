"""Writing authenticators and devices: import, activate, verify a code, suspend, retire.

Every service owns its transaction and writes the audit event. Verification locks the device row
while it checks the code, persists the replay state and counts failures in the same transaction,
so two requests with one code cannot both win, on any number of nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from segl.audit.services import audit_record
from segl.core import otp, serials
from segl.core.errors import InvalidCode, Locked, ReplayedCode, SeglError
from segl.core.pskc import TokenSeed
from segl.core.throttle import (
    FailureState,
    ThrottlePolicy,
    check_not_locked,
    record_failure,
    record_success,
)
from segl.identities.models import Identity
from segl.identities.services import password_hash_new
from segl.keys import device_aad, keyring

from .models import DEVICE_KINDS, Authenticator, Device, Kind

IMPORT_BATCH_SIZE = 1000


class DeviceError(SeglError):
    """A device that cannot be used for what was asked (wrong state, wrong owner, unknown)."""

    code = "device_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def code_policy() -> ThrottlePolicy:
    """3 wrong codes in a row suspend the token for a configurable time (default 15 min)."""
    return ThrottlePolicy(
        max_failures=3, lock_for=timedelta(minutes=settings.CONFIG.code_lock_minutes)
    )


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


def _check_code(device: Device, code: str, *, now: datetime) -> None:
    """Verify ``code`` against the locked ``device`` row and update its state in place."""
    secret = keyring().decrypt(device.seed, aad=device_aad(device.serial))
    normalised = otp.normalise_code(code, device.digits)
    if device.algorithm == "totp":
        state = otp.verify_totp(
            secret,
            normalised,
            now=now,
            state=otp.TotpState(last_step=device.last_step, drift=device.drift),
            params=otp.TotpParams(
                algorithm=device.hash_algorithm,  # type: ignore[arg-type]
                digits=device.digits,
                period=device.period,
                t0=device.t0,
            ),
        )
        device.last_step = state.last_step
        device.drift = state.drift
    else:
        hstate = otp.verify_hotp(
            secret,
            normalised,
            state=otp.HotpState(counter=device.counter),
            digits=device.digits,
            algorithm=device.hash_algorithm,  # type: ignore[arg-type]
        )
        device.counter = hstate.counter


def device_verify_code(
    *,
    device_id: int,
    code: str,
    now: datetime,
    usable: tuple[str, ...] = (Device.Status.ACTIVE,),
    ip: str = "",
    actor: str = "",
    context: dict[str, str] | None = None,
) -> Device:
    """Verify a one-time code from a device; raises a :class:`SeglError` on any refusal.

    Refusals are committed (failure count, lock, audit) before the error is raised.
    """
    failure: SeglError | None = None
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device_id)
        subject = device.serial
        data = {"kind": device.kind, **(context or {})}
        throttle = FailureState(failures=device.failures, locked_until=device.locked_until)
        try:
            if device.status not in usable:
                raise DeviceError(f"device is {device.status}")
            check_not_locked(throttle, now=now)
            _check_code(device, code, now=now)
        except Locked as exc:
            failure = exc
            audit_record(
                action="code.verify",
                outcome="locked",
                actor=actor,
                subject=subject,
                ip=ip,
                data=data,
                at=now,
            )
        except DeviceError as exc:
            failure = exc
            audit_record(
                action="code.verify",
                outcome="refused",
                actor=actor,
                subject=subject,
                ip=ip,
                data={**data, "reason": exc.reason},
                at=now,
            )
        except (InvalidCode, ReplayedCode) as exc:
            throttle = record_failure(code_policy(), throttle, now=now)
            failure = exc
            audit_record(
                action="code.verify",
                outcome=exc.code,
                actor=actor,
                subject=subject,
                ip=ip,
                data=data,
                at=now,
            )
            if throttle.locked_until is not None:
                failure = Locked(throttle.locked_until)
                audit_record(
                    action="device.suspend_temporarily",
                    outcome="locked",
                    actor=actor,
                    subject=subject,
                    ip=ip,
                    data={**data, "until": throttle.locked_until.isoformat()},
                    at=now,
                )
        else:
            throttle = record_success(throttle)
            device.last_used_at = now
            audit_record(
                action="code.verify", actor=actor, subject=subject, ip=ip, data=data, at=now
            )
        device.failures = throttle.failures
        device.locked_until = throttle.locked_until
        device.save(
            update_fields=[
                "last_step",
                "drift",
                "counter",
                "failures",
                "locked_until",
                "last_used_at",
            ]
        )
    if failure is not None:
        raise failure
    return device


def device_resync(*, serial: str, code1: str, code2: str, now: datetime, actor: str = "") -> Device:
    """Bring an HOTP token's counter back in step from two consecutive codes (RFC 4226 §7.4)."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(serial=serial).first()
        if device is None:
            raise DeviceError("unknown_serial")
        if device.algorithm != "hotp":
            raise DeviceError("not_hotp")
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
        device.failures = 0
        device.locked_until = None
        device.save(update_fields=["counter", "failures", "locked_until"])
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
    device = Device.objects.filter(serial=serial).first()
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
        usable=(Device.Status.IN_STOCK, Device.Status.ASSIGNED),
        ip=ip,
        actor=actor,
        context={"purpose": "activation"},
    )
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.status not in (Device.Status.IN_STOCK, Device.Status.ASSIGNED):
            raise DeviceError(f"device is {device.status}")
        retired = []
        for old in (
            Authenticator.objects.select_for_update(of=("self",))
            .filter(identity=identity, kind=device.kind, status=Authenticator.Status.ACTIVE)
            .select_related("device")
        ):
            _retire(old, now=now)
            retired.append(old.device.serial if old.device else str(old.pk))
        device.status = Device.Status.ACTIVE
        device.assigned_to = identity
        device.save(update_fields=["status", "assigned_to"])
        authenticator = Authenticator.objects.create(
            identity=identity, kind=device.kind, device=device, activated_at=now
        )
        if not identity.preferred_method:
            identity.preferred_method = device.kind
        if password_hash is not None:
            identity.password_hash = password_hash
            identity.password_changed_at = now
            identity.password_failures = 0
            identity.password_locked_until = None
        identity.save(
            update_fields=[
                "preferred_method",
                "password_hash",
                "password_changed_at",
                "password_failures",
                "password_locked_until",
            ]
        )
        audit_record(
            action="device.activate",
            actor=actor,
            subject=identity.user_id,
            ip=ip,
            data={"serial": serial, "kind": device.kind, "retired": retired},
            at=now,
        )
    return authenticator


def _retire(authenticator: Authenticator, *, now: datetime) -> None:
    authenticator.status = Authenticator.Status.RETIRED
    authenticator.retired_at = now
    authenticator.save(update_fields=["status", "retired_at"])
    if authenticator.device is not None:
        authenticator.device.status = Device.Status.RETIRED
        authenticator.device.save(update_fields=["status"])


def authenticator_retire(
    *, authenticator_id: int, now: datetime, actor: str = "", ip: str = ""
) -> None:
    with transaction.atomic():
        auth = (
            Authenticator.objects.select_for_update(of=("self",))
            .select_related("device", "identity")
            .get(pk=authenticator_id)
        )
        _retire(auth, now=now)
        audit_record(
            action="authenticator.retire",
            actor=actor,
            subject=auth.identity.user_id,
            ip=ip,
            data={"kind": auth.kind},
            at=now,
        )


def authenticator_suspend(
    *, authenticator_id: int, now: datetime, reason: str, actor: str = "", ip: str = ""
) -> None:
    """Suspend until reinstated (a device reported lost, fraud); logins with it fail."""
    with transaction.atomic():
        auth = (
            Authenticator.objects.select_for_update(of=("self",))
            .select_related("device", "identity")
            .get(pk=authenticator_id)
        )
        auth.status = Authenticator.Status.SUSPENDED
        auth.save(update_fields=["status"])
        if auth.device is not None:
            auth.device.status = Device.Status.SUSPENDED
            auth.device.save(update_fields=["status"])
        audit_record(
            action="authenticator.suspend",
            actor=actor,
            subject=auth.identity.user_id,
            ip=ip,
            data={"kind": auth.kind, "reason": reason},
            at=now,
        )


def authenticator_reinstate(
    *, authenticator_id: int, now: datetime, actor: str = "", ip: str = ""
) -> None:
    with transaction.atomic():
        auth = (
            Authenticator.objects.select_for_update(of=("self",))
            .select_related("device", "identity")
            .get(pk=authenticator_id)
        )
        if auth.status != Authenticator.Status.SUSPENDED:
            raise DeviceError(f"authenticator is {auth.status}")
        auth.status = Authenticator.Status.ACTIVE
        auth.save(update_fields=["status"])
        if auth.device is not None:
            auth.device.status = Device.Status.ACTIVE
            auth.device.save(update_fields=["status"])
        audit_record(
            action="authenticator.reinstate",
            actor=actor,
            subject=auth.identity.user_id,
            ip=ip,
            data={"kind": auth.kind},
            at=now,
        )


__all__ = [
    "DeviceError",
    "ImportResult",
    "Kind",
    "authenticator_reinstate",
    "authenticator_retire",
    "authenticator_suspend",
    "code_policy",
    "device_activate",
    "device_import",
    "device_verify_code",
]
