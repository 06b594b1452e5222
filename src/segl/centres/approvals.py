"""Dual control (issue 12): the most dangerous desk actions wait for a second staff member.

The operator serving the citizen asks; another operator or supervisor of the same centre
approves or refuses in their own login, within ``APPROVAL_MINUTES``; approving does the action
in the same transaction. The same person can never approve their own request. Both steps are
audited with the two staff members, the centre, the citizen and the document checked."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from segl.authenticators.models import Authenticator, Device
from segl.authenticators.services import authenticator_reinstate, authenticator_retire
from segl.core.errors import SeglError
from segl.identities import failures
from segl.identities.models import AssuranceLevel, Identity
from segl.identities.services import identity_create
from segl.notify.notices import tell

from .models import Approval, Visit
from .staff import DESK_ROLES, StaffRefused, holds
from .visits import desk_audit

APPROVAL_MINUTES = 30
log = logging.getLogger(__name__)
Action = Approval.Action


def identity_of(visit: Visit) -> Identity | None:
    return Identity.objects.filter(person=visit.person).first()


def approval_request(
    *,
    visit: Visit,
    action: str,
    operator: Identity,
    now: datetime,
    details: dict[str, Any] | None = None,
    password_hash: str = "",
) -> Approval:
    """Ask for a second staff member's approval. The citizen must have been identified with a
    document at this visit, and the action must make sense for them now."""
    if action not in Action.values:
        raise StaffRefused("unknown_action")
    if visit.operator_id != operator.pk or visit.ended_at is not None:
        raise StaffRefused("not_your_visit")
    if operator.person_id == visit.person_id:
        raise StaffRefused("own_case")
    if not visit.identified:
        raise StaffRefused("document_first")
    if action != Action.CREATE_IDENTITY and not visit.photo_id:
        raise StaffRefused("photo_id_needed")  # without photo ID, only a new identity
    identity = identity_of(visit)
    if (action == Action.CREATE_IDENTITY) != (identity is None):
        raise StaffRefused("has_identity" if identity else "no_identity")
    if action == Action.REINSTATE:
        details = {"authenticator": _suspended(identity, (details or {}).get("authenticator"))}
    with transaction.atomic():
        Approval.objects.filter(visit=visit, action=action, status=Approval.Status.PENDING).update(
            status=Approval.Status.CANCELLED, decided_at=now, outcome="asked_again"
        )
        approval = Approval.objects.create(
            visit=visit,
            action=action,
            details=details or {},
            password_hash=password_hash,
            requested_by=operator,
            requested_at=now,
        )
        desk_audit(
            "approval_asked",
            visit=visit,
            operator=operator,
            centre=visit.centre,
            now=now,
            approval=approval.pk,
            what=action,
            **(details or {}),
        )
    return approval


def _suspended(identity: Identity | None, raw: object) -> int:
    """The id of one of the identity's suspended authenticators, from what the desk sent."""
    text = str(raw or "")
    found = (
        Authenticator.objects.filter(
            pk=int(text), identity=identity, status=Authenticator.Status.SUSPENDED
        ).first()
        if text.isascii() and text.isdigit() and len(text) < 19
        else None
    )
    if found is None:
        raise StaffRefused("not_suspended")
    return found.pk


def waiting_at(centre: str, now: datetime) -> list[Approval]:
    """The requests a staff member of ``centre`` may decide on now."""
    return list(
        Approval.objects.filter(
            visit__centre=centre,
            status=Approval.Status.PENDING,
            requested_at__gte=now - timedelta(minutes=APPROVAL_MINUTES),
        )
        .select_related("visit__person", "requested_by")
        .order_by("requested_at")
    )


def approval_decide(
    *, approval_id: int, approver: Identity, centre: str, approve: bool, now: datetime
) -> Approval:
    """Approve (and do) or refuse. Refused with StaffRefused: ``same_person``, ``not_staff``
    (no operator or supervisor role at the request's centre), ``not_pending``, ``expired``."""
    with transaction.atomic():
        approval = (
            Approval.objects.select_for_update(of=("self",))
            .select_related("visit__person", "requested_by")
            .filter(pk=approval_id, visit__centre=centre)
            .first()
        )
        if approval is None:
            raise StaffRefused("not_found")
        refusal = _refusal(approval, approver, now)
        if refusal:
            desk_audit(
                "approval",
                visit=approval.visit,
                operator=approver,
                centre=centre,
                outcome=refusal,
                now=now,
                approval=approval.pk,
                what=approval.action,
                asked_by=approval.requested_by.user_id,
            )
        else:
            _decide(approval, approver=approver, approve=approve, now=now)
    if refusal:
        raise StaffRefused(refusal)
    return approval


def _refusal(approval: Approval, approver: Identity, now: datetime) -> str:
    visit = approval.visit
    if approval.requested_by_id == approver.pk:
        return "same_person"
    if approver.person_id == visit.person_id:
        return "own_case"  # nobody approves what is done for themselves
    if not holds(approver, visit.centre, DESK_ROLES):
        return "not_staff"
    if approval.status != Approval.Status.PENDING:
        return "not_pending"
    if now - approval.requested_at > timedelta(minutes=APPROVAL_MINUTES):
        return "expired"
    if visit.ended_at is not None:
        return "visit_ended"
    if not holds(approval.requested_by, visit.centre, DESK_ROLES):
        return "not_staff"  # the one who asked has lost their role since
    return ""


def _decide(approval: Approval, *, approver: Identity, approve: bool, now: datetime) -> None:
    outcome = "refused"
    if approve:
        try:
            with transaction.atomic():
                outcome = ACTIONS[approval.action](approval, approver, now)
        except SeglError as exc:
            outcome = f"failed:{getattr(exc, 'reason', exc.code)}"
        except Exception:  # a fault: the action is undone, the request ends, it is logged
            log.exception("the approved desk action %s failed", approval.pk)
            outcome = "failed:error"
    approval.status = (
        Approval.Status.REFUSED
        if not approve
        else Approval.Status.FAILED
        if outcome.startswith("failed")
        else Approval.Status.DONE
    )
    approval.decided_by = approver
    approval.decided_at = now
    approval.outcome = outcome
    approval.password_hash = ""  # done or not, the new password's hash is not kept here
    approval.save(update_fields=["status", "decided_by", "decided_at", "outcome", "password_hash"])
    desk_audit(
        "approval",
        visit=approval.visit,
        operator=approver,
        centre=approval.visit.centre,
        outcome="ok" if approval.status == Approval.Status.DONE else outcome,
        now=now,
        approval=approval.pk,
        what=approval.action,
        asked_by=approval.requested_by.user_id,
        approved=approve,
    )


def _actor(approval: Approval, approver: Identity) -> str:
    return f"{approval.requested_by.user_id}+{approver.user_id}"


def _identity(approval: Approval) -> Identity:
    identity = identity_of(approval.visit)
    if identity is None:
        raise StaffRefused("no_identity")
    return identity


def _create_identity(approval: Approval, approver: Identity, now: datetime) -> str:
    identity = identity_create(
        person=approval.visit.person,
        user_id=str(approval.details.get("user_id", "")),
        # In person with a photo ID is High; without one, the letter to the registered address
        # makes it Substantial (segl.centres.letters).
        ial=AssuranceLevel.HIGH if approval.visit.photo_id else AssuranceLevel.SUBSTANTIAL,
        actor=_actor(approval, approver),
        now=now,
    )
    if approval.password_hash:
        Identity.objects.filter(pk=identity.pk).update(
            password_hash=approval.password_hash, password_changed_at=now
        )
    return "created"


def _set_password(identity: Identity, password_hash: str, now: datetime) -> None:
    Identity.objects.filter(pk=identity.pk).update(
        password_hash=password_hash,
        password_changed_at=now,
        session_epoch=F("session_epoch") + 1,
        **failures.cleared("password_"),
    )


def _reset_password(approval: Approval, approver: Identity, now: datetime) -> str:
    if not approval.password_hash:
        raise StaffRefused("no_password")
    identity = _identity(approval)
    _set_password(identity, approval.password_hash, now)
    tell(approval.visit.person, "password_changed", now=now)
    return "password_set"


def _lift_lock(approval: Approval, approver: Identity, now: datetime) -> str:
    """The password's lock (and its count of wrong ones) and the temporary locks of the
    identity's code devices; a device blocked for good stays blocked (a new one replaces it)."""
    identity = _identity(approval)
    Identity.objects.filter(pk=identity.pk).update(**failures.cleared("password_"))
    devices = Device.objects.filter(
        authenticator__identity=identity,
        authenticator__status=Authenticator.Status.ACTIVE,
        disabled_at=None,
    )
    lifted = devices.update(**failures.cleared())
    return f"password_unlocked+{lifted}_devices"


def _reinstate(approval: Approval, approver: Identity, now: datetime) -> str:
    identity = _identity(approval)
    authenticator = Authenticator.objects.filter(
        pk=approval.details.get("authenticator"), identity=identity
    ).first()
    if authenticator is None:
        raise StaffRefused("not_found")
    authenticator_reinstate(
        authenticator_id=authenticator.pk, now=now, actor=_actor(approval, approver)
    )
    return "reinstated"


def _revoke_all(approval: Approval, approver: Identity, now: datetime) -> str:
    """Every authenticator retired and the password removed; the identity stays, so new ones can
    be activated here, and every login it had ends."""
    identity = _identity(approval)
    for pk in Authenticator.objects.filter(
        identity=identity,
        status__in=[Authenticator.Status.ACTIVE, Authenticator.Status.SUSPENDED],
    ).values_list("pk", flat=True):
        authenticator_retire(authenticator_id=pk, now=now, actor=_actor(approval, approver))
    _set_password(identity, "", now)
    return "revoked"


ACTIONS: dict[str, Callable[[Approval, Identity, datetime], str]] = {
    Action.CREATE_IDENTITY: _create_identity,
    Action.RESET_PASSWORD: _reset_password,
    Action.LIFT_LOCK: _lift_lock,
    Action.REINSTATE: _reinstate,
    Action.REVOKE_ALL: _revoke_all,
}
