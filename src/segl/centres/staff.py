"""Staff roles at the centres: grant, take away, and ask who holds what. Every change is audited
with who made it; a supervisor grants roles at their own centre only."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from segl.audit.services import audit_record
from segl.core.errors import SeglError
from segl.identities.models import Identity

from .models import StaffRole
from .registry import centres

Role = StaffRole.Role
DESK_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR})


class StaffRefused(SeglError):
    code = "staff_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def roles_of(identity: Identity) -> dict[str, frozenset[str]]:
    """The roles an identity holds, by centre."""
    found: dict[str, set[str]] = {}
    for centre, role in StaffRole.objects.filter(identity=identity).values_list("centre", "role"):
        found.setdefault(centre, set()).add(role)
    return {centre: frozenset(roles) for centre, roles in found.items()}


def holds(identity: Identity, centre: str, roles: frozenset[str]) -> bool:
    return StaffRole.objects.filter(identity=identity, centre=centre, role__in=roles).exists()


def staff_grant(
    *, identity: Identity, centre: str, role: str, now: datetime, actor: str
) -> StaffRole:
    if centre not in centres():
        raise StaffRefused("unknown_centre")
    if role not in Role.values:
        raise StaffRefused("unknown_role")
    if not identity.is_active:
        raise StaffRefused("identity_inactive")
    try:
        with transaction.atomic():
            granted = StaffRole.objects.create(
                identity=identity, centre=centre, role=role, granted_at=now, granted_by=actor
            )
            audit_record(
                action="staff.grant",
                actor=actor,
                subject=identity.user_id,
                data={"centre": centre, "role": role},
                at=now,
            )
    except IntegrityError:
        raise StaffRefused("already_granted") from None
    return granted


def staff_revoke(*, identity: Identity, centre: str, role: str, now: datetime, actor: str) -> bool:
    with transaction.atomic():
        deleted, _ = StaffRole.objects.filter(identity=identity, centre=centre, role=role).delete()
        if deleted:
            audit_record(
                action="staff.revoke",
                actor=actor,
                subject=identity.user_id,
                data={"centre": centre, "role": role},
                at=now,
            )
    return bool(deleted)


def staff_list(centre: str = "") -> list[StaffRole]:
    """Every role held, or those at one centre, by centre and user ID."""
    rows = StaffRole.objects.select_related("identity").order_by(
        "centre", "identity__user_id", "role"
    )
    return list(rows.filter(centre=centre) if centre else rows)
