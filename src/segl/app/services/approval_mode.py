"""Settings: approve with QR codes or with one-time codes (a weakening change waits)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from segl.audit.services import audit_record
from segl.notify.notices import tell

from ..models import (
    AppInstance,
    ApprovalMode,
    DelayedChange,
)
from .base import AppRefused, policy
from .unlock import require_pin_unlock, require_unlocked

# -- settings: QR or one-time codes (a delayed change) --------------------------------------------


def approval_mode_request(*, instance: AppInstance, mode: str, now: datetime, ip: str = "") -> str:
    """Switching to one-time codes weakens protection: it waits 24 hours, then needs confirming.
    Switching back to QR codes strengthens it: at once, and it cancels a pending switch."""
    user_id = instance.authenticator.identity.user_id
    if mode == ApprovalMode.CODE:
        require_pin_unlock(instance, now)
    else:
        require_unlocked(instance, now)
    with transaction.atomic():
        instance = AppInstance.objects.select_for_update().get(pk=instance.pk)
        pending = instance.changes.filter(
            what=DelayedChange.What.ONE_TIME_CODES, confirmed_at=None, cancelled_at=None
        )
        if mode == ApprovalMode.QR:
            pending.update(cancelled_at=now)
            instance.approval_mode = ApprovalMode.QR
            instance.save(update_fields=["approval_mode"])
            result = "qr"
        elif mode == ApprovalMode.CODE:
            if instance.approval_mode == ApprovalMode.CODE:
                return "code"
            if not pending.exists():
                DelayedChange.objects.create(
                    instance=instance,
                    what=DelayedChange.What.ONE_TIME_CODES,
                    requested_at=now,
                    effective_at=now + policy().weakening_delay,
                )
                tell(instance.authenticator.identity.person, "delayed_change_requested", now=now)
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
    return (
        instance.changes.filter(
            what=DelayedChange.What.ONE_TIME_CODES, confirmed_at=None, cancelled_at=None
        )
        .order_by("-requested_at")
        .first()
    )


def approval_mode_confirm(*, instance: AppInstance, now: datetime, ip: str = "") -> str:
    """Confirm the switch to one-time codes, once its 24 hours have passed."""
    require_pin_unlock(instance, now)
    with transaction.atomic():
        instance = AppInstance.objects.select_for_update().get(pk=instance.pk)
        change = approval_mode_pending(instance)
        if change is None:
            raise AppRefused("nothing_to_confirm")
        if now < change.effective_at:
            raise AppRefused("not_yet")
        change.confirmed_at = now
        change.save(update_fields=["confirmed_at"])
        instance.approval_mode = ApprovalMode.CODE
        instance.save(update_fields=["approval_mode"])
        tell(instance.authenticator.identity.person, "delayed_change_effective", now=now)
        audit_record(
            action="app.approval_mode",
            outcome="code",
            subject=instance.authenticator.identity.user_id,
            ip=ip,
            data={"mode": "code"},
            at=now,
        )
        return "code"
