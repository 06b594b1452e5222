"""Settings: approve with QR codes or with one-time codes (a weakening change waits)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from segl.audit.services import audit_record
from segl.changes.models import DelayedChange
from segl.changes.services import (
    ChangeRefused,
    change_confirm,
    change_pending,
    change_request,
    change_withdraw,
)

from ..models import AppInstance, ApprovalMode
from .base import AppRefused, policy
from .unlock import require_pin_unlock, require_unlocked

ONE_TIME_CODES = DelayedChange.What.ONE_TIME_CODES


def approval_mode_request(*, instance: AppInstance, mode: str, now: datetime, ip: str = "") -> str:
    """Switching to one-time codes weakens protection: it waits (24 hours by default), then
    needs confirming. Switching back to QR codes strengthens it: at once,
    and it cancels a pending switch."""
    user_id = instance.authenticator.identity.user_id
    if mode == ApprovalMode.CODE:
        require_pin_unlock(instance, now)
    else:
        require_unlocked(instance, now)
    with transaction.atomic():
        instance = (
            AppInstance.objects.select_for_update()
            .select_related("authenticator__identity__person")
            .get(pk=instance.pk)
        )
        if mode == ApprovalMode.QR:
            change_withdraw(authenticator=instance.authenticator, what=ONE_TIME_CODES, now=now)
            instance.approval_mode = ApprovalMode.QR
            instance.save(update_fields=["approval_mode"])
            result = "qr"
        elif mode == ApprovalMode.CODE:
            if instance.approval_mode == ApprovalMode.CODE:
                return "code"
            change_request(
                authenticator=instance.authenticator,
                what=ONE_TIME_CODES,
                delay=policy().weakening_delay,
                now=now,
            )
            result = "pending"
        else:
            raise AppRefused("mode_unknown")
        audit_record(
            action="app.approval_mode",
            outcome=result,
            subject=user_id,
            ip=ip,
            data={"mode": mode},
            at=now,
        )
        return result


def approval_mode_pending(instance: AppInstance) -> DelayedChange | None:
    return change_pending(authenticator=instance.authenticator, what=ONE_TIME_CODES)


def approval_mode_confirm(*, instance: AppInstance, now: datetime, ip: str = "") -> str:
    """Confirm the switch to one-time codes, once its wait is over."""
    require_pin_unlock(instance, now)
    with transaction.atomic():
        instance = (
            AppInstance.objects.select_for_update()
            .select_related("authenticator__identity__person")
            .get(pk=instance.pk)
        )
        try:
            change_confirm(authenticator=instance.authenticator, what=ONE_TIME_CODES, now=now)
        except ChangeRefused as exc:
            raise AppRefused(exc.reason) from None
        instance.approval_mode = ApprovalMode.CODE
        instance.save(update_fields=["approval_mode"])
        audit_record(
            action="app.approval_mode",
            outcome="code",
            subject=instance.authenticator.identity.user_id,
            ip=ip,
            data={"mode": "code"},
            at=now,
        )
        return "code"
