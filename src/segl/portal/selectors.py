"""What the portal's pages read: only what belongs to the citizen who asks."""

from __future__ import annotations

from collections.abc import Collection

from segl.authenticators.models import Authenticator
from segl.identities.models import Activity, Identity, Person
from segl.orders.models import Order


def authenticators_of(identity: Identity) -> list[Authenticator]:
    """Active and suspended ones first, newest first; retired ones after."""
    rows = list(
        Authenticator.objects.select_related("device", "app")
        .filter(identity=identity)
        .order_by("-activated_at")
    )
    return sorted(rows, key=lambda a: a.status == Authenticator.Status.RETIRED)


def authenticator_own(*, identity: Identity, authenticator_id: int) -> Authenticator | None:
    return (
        Authenticator.objects.select_related("device", "app")
        .filter(pk=authenticator_id, identity=identity)
        .first()
    )


def needs_backup(identity: Identity) -> bool:
    """Only one active authenticator: losing it means a trip to a citizen service centre."""
    active = Authenticator.objects.filter(identity=identity, status=Authenticator.Status.ACTIVE)
    return active.exclude(device__disabled_at__isnull=False).count() <= 1


def is_only_one(authenticator: Authenticator) -> bool:
    """Retiring or blocking this one would leave its owner without a way to log in."""
    return authenticator.status == Authenticator.Status.ACTIVE and needs_backup(
        authenticator.identity
    )


def history(identity: Identity, *, limit: int = 100) -> list[Activity]:
    return list(
        Activity.objects.select_related("authenticator__device", "authenticator__app")
        .filter(identity=identity)
        .order_by("-at", "-pk")[:limit]
    )


def activity_own(*, identity: Identity, activity_id: int) -> Activity | None:
    return (
        Activity.objects.select_related("authenticator__device")
        .filter(pk=activity_id, identity=identity)
        .first()
    )


def orders_of(person: Person, *, limit: int = 10) -> list[Order]:
    return list(Order.objects.filter(person=person).order_by("-created_at")[:limit])


def order_viewable(
    *, reference: str, identity: Identity | None, placed: Collection[str]
) -> Order | None:
    """An order the logged-in person placed, or one placed from this browser (``placed``)."""
    found = (
        Order.objects.select_related("device", "person").filter(reference=reference.upper()).first()
    )
    if found is None:
        return None
    if identity is not None and found.person_id == identity.person.pk:
        return found
    return found if found.reference in placed else None
