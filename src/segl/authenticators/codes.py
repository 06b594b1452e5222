"""Verifying one-time codes from a code display or audio code reader (RFC 4226, RFC 6238).

Verification locks the device row while it checks the code, persists the replay state and
counts failures in the same transaction, so two requests with one code cannot both win, on any
number of nodes. 3 wrong codes in a row suspend the device for a while, each further suspension
since the last accepted code lasts twice as long, and the limit of wrong codes since then
(``SEGL_FAILURE_LIMIT``, 100) blocks it for good: the citizen is told, and activating another
device (after a login or an identification, or at a citizen service centre) takes its place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from segl import prepared
from segl.audit.services import audit_record
from segl.core import otp
from segl.core.errors import Disabled, InvalidCode, Locked, ReplayedCode, SeglError
from segl.core.throttle import ThrottlePolicy, check_not_locked, record_failure, record_success
from segl.identities import failures
from segl.identities.models import Identity
from segl.keys import device_aad, keyring
from segl.notify.notices import tell
from segl.prepared import Prepared

from .errors import DeviceError
from .models import Device

__all__ = ["code_policy", "device_verify_code"]


def code_policy() -> ThrottlePolicy:
    """3 wrong codes in a row suspend the token for a configurable time (default 15 min), each
    further suspension longer; the limit disables it."""
    return failures.policy(max_failures=3, lock_minutes=settings.CONFIG.code_lock_minutes)


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


def _tell_disabled(device: Device, now: datetime) -> None:
    """The person the device belongs to learns that it is blocked."""
    if device.assigned_to_id is None:
        return
    owner = Identity.objects.select_related("person").filter(pk=device.assigned_to_id).first()
    if owner is not None:
        tell(owner.person, "authenticator_disabled", kind=device.kind, now=now)


_LOCKED_DEVICE = Prepared(lambda pk: Device.objects.select_for_update().filter(pk=pk), pk=int)


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

    Refusals are committed (failure count, lock, audit, notice) before the error is raised."""
    failure: SeglError | None = None
    # No savepoint inside a login's transaction: a refusal is raised after this block, so
    # nothing leaves it by an exception on purpose.
    with transaction.atomic(savepoint=False):
        device = _LOCKED_DEVICE.get(pk=device_id)
        base = {"kind": device.kind, **(context or {})}

        def audit(action: str, outcome: str = "ok", **data: Any) -> None:
            audit_record(
                action=action,
                outcome=outcome,
                actor=actor,
                subject=device.serial,
                ip=ip,
                data={**base, **data},
                at=now,
            )

        throttle = failures.load(device)
        try:
            if device.status not in usable:
                raise DeviceError(f"device is {device.status}")
            check_not_locked(throttle, now=now)
            _check_code(device, code, now=now)
        except (Locked, Disabled) as exc:
            failure = exc
            audit("code.verify", exc.code)
        except DeviceError as exc:
            failure = exc
            audit("code.verify", "refused", reason=exc.reason)
        except (InvalidCode, ReplayedCode) as exc:
            throttle = record_failure(code_policy(), throttle, now=now)
            failure = exc
            audit("code.verify", exc.code)
            if throttle.disabled:
                failure = Disabled()
                audit("device.disable", "disabled", failures=throttle.total)
                _tell_disabled(device, now)
            elif throttle.locked_until is not None:
                failure = Locked(throttle.locked_until)
                audit(
                    "device.suspend_temporarily", "locked", until=throttle.locked_until.isoformat()
                )
        else:
            throttle = record_success(throttle)
            device.last_used_at = now
            audit("code.verify")
        fields = failures.store(device, throttle)
        prepared.save(
            device, update_fields=["last_step", "drift", "counter", *fields, "last_used_at"]
        )
    if failure is not None:
        raise failure
    return device
