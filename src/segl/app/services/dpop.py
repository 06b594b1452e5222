"""Who is asking: the app's DPoP proof (RFC 9449) names its key, and so its instance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from segl.audit.services import audit_record
from segl.authenticators.models import Authenticator
from segl.core.dpop import DpopProof, verify_dpop
from segl.core.errors import ProofInvalid

from ..models import AppInstance, DpopJti
from .base import AppRefused, sha256_hex


def dpop_accept(proof: Any, *, method: str, url: str, now: datetime) -> DpopProof:
    """Verify a DPoP proof and accept its ``jti`` once (RFC 9449 §11.1)."""
    checked = verify_dpop(proof, method=method, url=url, now=now)
    try:
        with transaction.atomic():
            DpopJti.objects.create(
                jti_hash=sha256_hex(checked.thumbprint + "\0" + checked.jti),
                expires_at=now + timedelta(minutes=2),
            )
    except IntegrityError:
        raise ProofInvalid("jti_replayed") from None
    return checked


def instance_for(proof: DpopProof, *, ip: str = "") -> AppInstance:
    """The app instance whose key signed the proof; it must be active and not locked."""
    instance = (
        AppInstance.objects.select_related("authenticator__identity")
        .filter(thumbprint=proof.thumbprint)
        .first()
    )
    if instance is None:
        raise ProofInvalid("unknown_key")
    auth = instance.authenticator
    refusal = None
    if instance.locked_at is not None:
        refusal = "app_locked"
    elif auth.status != Authenticator.Status.ACTIVE or not auth.identity.is_active:
        refusal = "app_inactive"
    if refusal is not None:
        audit_record(action="app.refused", outcome=refusal, subject=auth.identity.user_id, ip=ip)
        raise AppRefused(refusal)
    return instance
