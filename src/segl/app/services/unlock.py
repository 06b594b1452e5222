"""Unlocking the app with its PIN; the unlock is what lets it answer or change a setting."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from django.db import transaction

from segl.audit.services import audit_record
from segl.authenticators.services import authenticator_suspend
from segl.core.errors import SeglError, TransitionRefused, WrongPassword
from segl.identities.passwords import hasher
from segl.notify.notices import tell

from ..models import AppInstance
from .base import AppRefused, WrongPin, policy


def app_unlock(*, instance_id: int, pin: str, now: datetime, ip: str = "") -> datetime:
    """Check the PIN; 5 wrong in a row (by default) lock the app until it is activated again."""
    failure: SeglError
    with transaction.atomic():
        instance = (
            AppInstance.objects.select_for_update()
            .select_related("authenticator__identity")
            .get(pk=instance_id)
        )
        user_id = instance.authenticator.identity.user_id
        if instance.locked_at is not None:
            failure, outcome = AppRefused("app_locked"), "locked"
        else:
            try:
                hasher().verify(instance.pin_hash, str(pin))
            except WrongPassword:
                instance.pin_failures += 1
                failure, outcome = (
                    WrongPin(policy().pin_max_failures - instance.pin_failures),
                    "pin_wrong",
                )
                if instance.pin_failures >= policy().pin_max_failures:
                    instance.locked_at = now
                    # One already suspended or retired stays so; the app is locked all the same.
                    with contextlib.suppress(TransitionRefused):
                        authenticator_suspend(
                            authenticator_id=instance.authenticator_id,
                            now=now,
                            reason="app_locked",
                            ip=ip,
                        )
                    failure, outcome = AppRefused("app_locked"), "locked"
                    tell(instance.authenticator.identity.person, "app_locked", now=now)
                instance.unlocked_until = None
                instance.save(update_fields=["pin_failures", "locked_at", "unlocked_until"])
            else:
                instance.pin_failures = 0
                instance.unlocked_until = now + timedelta(seconds=policy().unlock_seconds)
                instance.unlocked_by = "pin"
                instance.save(update_fields=["pin_failures", "unlocked_until", "unlocked_by"])
                audit_record(action="app.unlock", subject=user_id, ip=ip, data={}, at=now)
                return instance.unlocked_until
        audit_record(action="app.unlock", outcome=outcome, subject=user_id, ip=ip, data={}, at=now)
    raise failure


def require_unlocked(instance: AppInstance, now: datetime) -> None:
    if instance.unlocked_until is None or now >= instance.unlocked_until:
        raise AppRefused("unlock_needed")


def require_pin_unlock(instance: AppInstance, now: datetime) -> None:
    """Changes that weaken protection or add a way in need the PIN, not biometrics."""
    require_unlocked(instance, now)
    if instance.unlocked_by != "pin":
        raise AppRefused("pin_needed")
