"""The end of an app: the citizen retires it; what only mattered for a while is purged."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from segl.audit.services import audit_record
from segl.authenticators.services import authenticator_retire

from ..models import (
    ActivationCode,
    AppActivation,
    AppInstance,
    AppRequest,
    CopyOffer,
    DpopJti,
)
from .unlock import require_unlocked


def app_purge(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete what only mattered for a while: seen DPoP proof ids once they could no longer be
    replayed, and requests, activations, activation codes and copy offers that ended ``keep``
    ago (a request ends with its login at the latest, so it goes no later than the login)."""
    cutoff = now - keep
    proofs, _ = DpopJti.objects.filter(expires_at__lt=now).delete()
    requests, _ = AppRequest.objects.filter(expires_at__lt=cutoff).delete()
    activations, _ = AppActivation.objects.filter(expires_at__lt=cutoff).delete()
    codes, _ = ActivationCode.objects.filter(expires_at__lt=cutoff).delete()
    offers, _ = CopyOffer.objects.filter(expires_at__lt=cutoff).delete()
    return {
        "dpop_proof_ids": proofs,
        "app_requests": requests,
        "app_activations": activations,
        "activation_codes": codes,
        "copy_offers": offers,
    }


def app_retire(*, instance: AppInstance, now: datetime, ip: str = "") -> None:
    """The citizen removes this user ID from the app: its authenticator is retired."""
    require_unlocked(instance, now)
    with transaction.atomic():
        authenticator_retire(
            authenticator_id=instance.authenticator_id, now=now, actor="citizen", ip=ip
        )
        AppInstance.objects.filter(pk=instance.pk).update(unlocked_until=None)
        audit_record(
            action="app.retire",
            subject=instance.authenticator.identity.user_id,
            ip=ip,
            data={"thumbprint": instance.thumbprint},
            at=now,
        )
