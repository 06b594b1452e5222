"""Reading the register of identities."""

from __future__ import annotations

from .models import Identity


def identity_by_user_id(user_id: str) -> Identity | None:
    """The identity with this user ID as a person types it (case and surrounding spaces do not
    matter), with its person; ``None`` when there is none."""
    return Identity.objects.select_related("person").filter(user_id__iexact=user_id.strip()).first()
