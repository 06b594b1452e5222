"""Unlocking the app with its PIN; the unlock is what lets it answer or change a setting.
Changing the PIN takes the current one, counted as an unlock's is."""

from __future__ import annotations

import contextlib
import hmac
from datetime import datetime, timedelta

from django.db import transaction

from segl.audit.services import audit_record
from segl.authenticators.services import authenticator_suspend
from segl.core.errors import SeglError, TransitionRefused, WrongPassword
from segl.identities.passwords import hasher
from segl.notify.notices import tell

from ..models import AppInstance
from .activation import check_pin_policy
from .base import AppRefused, WrongPin, policy


def _locked_instance(instance_id: int) -> AppInstance:
    return (
        AppInstance.objects.select_for_update()
        .select_related("authenticator__identity__person")
        .get(pk=instance_id)
    )


def _check_pin(instance: AppInstance, pin: str, now: datetime, ip: str) -> SeglError | None:
    """None if ``pin`` is the app's PIN; else the refusal to raise once its count is saved (the
    caller holds the row lock). 5 wrong in a row (by default) lock the app until it is
    activated again."""
    if instance.locked_at is not None:
        return AppRefused("app_locked")
    try:
        hasher().verify(instance.pin_hash, str(pin))
    except WrongPassword:
        pass
    else:
        instance.pin_failures = 0
        return None
    instance.pin_failures += 1
    failure: SeglError = WrongPin(policy().pin_max_failures - instance.pin_failures)
    if instance.pin_failures >= policy().pin_max_failures:
        instance.locked_at = now
        # One already suspended or retired stays so; the app is locked all the same.
        with contextlib.suppress(TransitionRefused):
            authenticator_suspend(
                authenticator_id=instance.authenticator_id, now=now, reason="app_locked", ip=ip
            )
        failure = AppRefused("app_locked")
        tell(instance.authenticator.identity.person, "app_locked", now=now)
    instance.unlocked_until = None
    instance.save(update_fields=["pin_failures", "locked_at", "unlocked_until"])
    return failure


def _outcome(failure: SeglError) -> str:
    return "pin_wrong" if isinstance(failure, WrongPin) else "locked"


def app_unlock(*, instance_id: int, pin: str, now: datetime, ip: str = "") -> datetime:
    """Check the PIN; 5 wrong in a row (by default) lock the app until it is activated again."""
    with transaction.atomic():
        instance = _locked_instance(instance_id)
        user_id = instance.authenticator.identity.user_id
        failure = _check_pin(instance, pin, now, ip)
        if failure is None:
            instance.unlocked_until = now + timedelta(seconds=policy().unlock_seconds)
            instance.unlocked_by = "pin"
            instance.save(update_fields=["pin_failures", "unlocked_until", "unlocked_by"])
            audit_record(action="app.unlock", subject=user_id, ip=ip, data={}, at=now)
            return instance.unlocked_until
        audit_record(
            action="app.unlock", outcome=_outcome(failure), subject=user_id, ip=ip, data={}, at=now
        )
    raise failure


def app_pin_change(
    *, instance_id: int, old_pin: str, new_pin: str, now: datetime, ip: str = ""
) -> None:
    """A new PIN for the app, by its current one. The new PIN follows the activation's rules
    and is checked first, so a mistake in it costs no try; a wrong current PIN counts towards
    the lock as a wrong PIN at unlock does. The citizen is told, as of any change to their
    segl."""
    check_pin_policy(new_pin)
    with transaction.atomic():
        instance = _locked_instance(instance_id)
        user_id = instance.authenticator.identity.user_id
        failure = _check_pin(instance, old_pin, now, ip)
        if failure is None:
            if hmac.compare_digest(str(new_pin).encode(), str(old_pin).encode()):
                raise AppRefused("pin_same")
            instance.pin_hash = hasher().hash(new_pin)
            instance.save(update_fields=["pin_hash", "pin_failures"])
            audit_record(action="app.pin_change", subject=user_id, ip=ip, data={}, at=now)
            tell(instance.authenticator.identity.person, "app_pin_changed", now=now)
            return
        audit_record(
            action="app.pin_change",
            outcome=_outcome(failure),
            subject=user_id,
            ip=ip,
            data={},
            at=now,
        )
    raise failure


def require_unlocked(instance: AppInstance, now: datetime) -> None:
    if instance.unlocked_until is None or now >= instance.unlocked_until:
        raise AppRefused("unlock_needed")


def require_pin_unlock(instance: AppInstance, now: datetime) -> None:
    """Changes that weaken protection or add a way in need the PIN, not biometrics."""
    require_unlocked(instance, now)
    if instance.unlocked_by != "pin":
        raise AppRefused("pin_needed")
