"""Asking for, confirming and cancelling a delayed change; each service owns its transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

from segl.audit.services import audit_record
from segl.authenticators.models import Authenticator
from segl.core.errors import SeglError
from segl.identities.models import Identity
from segl.notify.notices import tell

from .models import DelayedChange

# The audit action of the setting each change belongs to (unchanged since the rule moved here).
AUDIT_ACTION: dict[str, str] = {DelayedChange.What.ONE_TIME_CODES: "app.approval_mode"}


class ChangeRefused(SeglError):
    """Nothing to confirm or cancel, or not yet (``reason``)."""

    code = "change_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _open(authenticator: Authenticator, what: str) -> QuerySet[DelayedChange]:
    return DelayedChange.objects.filter(
        authenticator=authenticator, what=what, confirmed_at=None, cancelled_at=None
    )


def change_pending(*, authenticator: Authenticator, what: str) -> DelayedChange | None:
    """The change of this kind waiting on this authenticator, if any."""
    return _open(authenticator, what).order_by("-requested_at").first()


def changes_pending(*, identity: Identity) -> list[DelayedChange]:
    """Every change waiting on the identity's active authenticators, soonest first."""
    return list(
        DelayedChange.objects.select_related("authenticator")
        .filter(
            authenticator__identity=identity,
            authenticator__status=Authenticator.Status.ACTIVE,
            confirmed_at=None,
            cancelled_at=None,
        )
        .order_by("effective_at")
    )


def change_request(
    *, authenticator: Authenticator, what: str, delay: timedelta, now: datetime
) -> DelayedChange:
    """Ask for a weakening change; it can be confirmed ``delay`` from now. Asking again while
    one waits does not restart the wait. The citizen is told."""
    with transaction.atomic():
        pending = change_pending(authenticator=authenticator, what=what)
        if pending is not None:
            return pending
        change = DelayedChange.objects.create(
            authenticator=authenticator,
            what=what,
            requested_at=now,
            effective_at=now + delay,
        )
        tell(authenticator.identity.person, "delayed_change_requested", now=now)
        return change


def change_withdraw(*, authenticator: Authenticator, what: str, now: datetime) -> int:
    """The setting went back the strong way: a waiting change of this kind is cancelled."""
    return _open(authenticator, what).update(cancelled_at=now)


def change_confirm(*, authenticator: Authenticator, what: str, now: datetime) -> DelayedChange:
    """Confirm the waiting change once its time has come (the caller then makes it)."""
    with transaction.atomic():
        change = _open(authenticator, what).select_for_update().order_by("-requested_at").first()
        if change is None:
            raise ChangeRefused("nothing_to_confirm")
        if now < change.effective_at:
            raise ChangeRefused("not_yet")
        change.confirmed_at = now
        change.save(update_fields=["confirmed_at"])
        tell(authenticator.identity.person, "delayed_change_effective", now=now)
        return change


def change_cancel(*, identity: Identity, change_id: int, now: datetime, ip: str = "") -> None:
    """The citizen cancels a waiting change of theirs (from the portal)."""
    with transaction.atomic():
        change = (
            DelayedChange.objects.select_for_update()
            .filter(pk=change_id, authenticator__identity=identity)
            .first()
        )
        if change is None or change.confirmed_at or change.cancelled_at:
            raise ChangeRefused("not_found")
        change.cancelled_at = now
        change.save(update_fields=["cancelled_at"])
        audit_record(
            action=AUDIT_ACTION.get(change.what, "change.cancel"),
            outcome="cancelled",
            actor="citizen",
            subject=identity.user_id,
            ip=ip,
            data={"change": change.pk},
            at=now,
        )
        tell(identity.person, "delayed_change_cancelled", now=now)
