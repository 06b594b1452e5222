"""Activate on another phone: copy from an existing app (seed 002)."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from segl.audit.services import audit_record
from segl.core.dpop import DpopProof
from segl.core.errors import SeglError
from segl.identities.models import Identity

from ..models import AppActivation, AppInstance, CopyOffer
from .activation import new_activation
from .base import COPY_PREFIX, AppRefused, policy, sha256_hex
from .unlock import require_pin_unlock


def _new_offer(
    identity: Identity, instance: AppInstance | None, level: str, now: datetime, ip: str
) -> tuple[CopyOffer, str]:
    """A QR code's offer, valid 3 minutes by default; an open older one from the same phone
    (this app, or no app) is cancelled."""
    with transaction.atomic():
        CopyOffer.objects.filter(
            identity=identity,
            instance=instance,
            state__in=(CopyOffer.State.OFFERED, CopyOffer.State.SCANNED, CopyOffer.State.CONFIRMED),
        ).update(state=CopyOffer.State.CANCELLED)
        token = secrets.token_urlsafe(32)
        offer = CopyOffer.objects.create(
            id=secrets.token_urlsafe(16),
            identity=identity,
            instance=instance,
            level=level,
            token_hash=sha256_hex(token),
            created_at=now,
            expires_at=now + timedelta(minutes=policy().copy_minutes),
        )
        source = {} if instance is not None else {"from": "proofing"}
        audit_record(
            action="app.copy_offer",
            subject=identity.user_id,
            ip=ip,
            data={"copy": offer.id, **source},
            at=now,
        )
    return offer, COPY_PREFIX + token


def copy_offer(*, instance: AppInstance, now: datetime, ip: str = "") -> tuple[CopyOffer, str]:
    """The old app shows a QR code for the new app to scan; the new app reaches what the old
    one reaches."""
    require_pin_unlock(instance, now)
    authenticator = instance.authenticator
    return _new_offer(authenticator.identity, instance, authenticator.level, now, ip)


def copy_offer_for_proofing(
    *, identity: Identity, level: str, now: datetime, ip: str = ""
) -> tuple[CopyOffer, str]:
    """The phone that just proofed the citizen shows a QR code for a new app (seed 002, "On
    another phone/tablet"): an offer of the identity's, with no app behind it; the new app
    reaches the proofing's ``level``."""
    return _new_offer(identity, None, level, now, ip)


def copy_completed_since(*, identity: Identity, since: datetime) -> bool:
    """Whether a QR code shown with no app behind it (a proofing phone's) has activated an
    app of ``identity`` since ``since``."""
    return CopyOffer.objects.filter(
        identity=identity, instance=None, created_at__gte=since, state=CopyOffer.State.COMPLETED
    ).exists()


def _live_offer(offer: CopyOffer | None, now: datetime, *states: str) -> CopyOffer:
    if offer is None:
        raise AppRefused("copy_unknown")
    if offer.state == CopyOffer.State.CANCELLED or now >= offer.expires_at:
        raise AppRefused("copy_expired")
    if offer.state not in states:
        raise AppRefused("copy_state")
    return offer


def copy_scan(*, qr: str, proof: DpopProof, now: datetime, ip: str = "") -> CopyOffer:
    """The new app scanned the old app's QR code with its new key; it gets the short code."""
    token = qr.strip()[len(COPY_PREFIX) :] if qr.strip().startswith(COPY_PREFIX) else ""
    with transaction.atomic():
        found = (
            CopyOffer.objects.select_for_update().filter(token_hash=sha256_hex(token)).first()
            if token
            else None
        )
        offer = _live_offer(found, now, CopyOffer.State.OFFERED)
        if AppInstance.objects.filter(thumbprint=proof.thumbprint).exists():
            raise AppRefused("key_in_use")
        offer.state = CopyOffer.State.SCANNED
        offer.new_thumbprint = proof.thumbprint
        offer.proximity_code = f"{secrets.randbelow(10**6):06d}"
        offer.save(update_fields=["state", "new_thumbprint", "proximity_code"])
        audit_record(action="app.copy_scan", ip=ip, data={"copy": offer.id}, at=now)
    return offer


def copy_status(
    *, instance: AppInstance | None, offer_id: str, identity: Identity | None = None
) -> CopyOffer:
    """An offer of this app's (or, with no app, of this proofed identity's)."""
    mine = (
        {"instance": instance} if instance is not None else {"identity": identity, "instance": None}
    )
    offer = CopyOffer.objects.filter(pk=str(offer_id)[:32], **mine).first()
    if offer is None:
        raise AppRefused("copy_unknown")
    return offer


def copy_confirm(
    *,
    instance: AppInstance | None,
    offer_id: str,
    code: str,
    now: datetime,
    ip: str = "",
    identity: Identity | None = None,
) -> CopyOffer:
    """The citizen types the new app's short code into the old phone: the two phones are
    together (the proximity check, in place of Bluetooth). 3 wrong codes (by default) cancel
    the copy. The old phone is an app unlocked by its PIN, or (``instance`` None) the phone
    that just proofed ``identity``."""
    if instance is not None:
        require_pin_unlock(instance, now)
        identity = instance.authenticator.identity
    assert identity is not None
    failure: SeglError
    with transaction.atomic():
        found = (
            CopyOffer.objects.select_for_update()
            .filter(pk=str(offer_id)[:32], instance=instance, identity=identity)
            .first()
        )
        offer = _live_offer(found, now, CopyOffer.State.SCANNED)
        given = "".join(str(code).split())
        if hmac.compare_digest(given.encode(), offer.proximity_code.encode()):
            offer.state = CopyOffer.State.CONFIRMED
            offer.save(update_fields=["state"])
            audit_record(
                action="app.copy_confirm",
                subject=identity.user_id,
                ip=ip,
                data={"copy": offer.id},
                at=now,
            )
            return offer
        offer.code_failures += 1
        failure = AppRefused("copy_code_wrong")
        if offer.code_failures >= policy().code_max_failures:
            offer.state = CopyOffer.State.CANCELLED
            failure = AppRefused("copy_expired")
        offer.save(update_fields=["code_failures", "state"])
        audit_record(
            action="app.copy_confirm",
            outcome="code_wrong",
            subject=identity.user_id,
            ip=ip,
            data={"copy": offer.id},
            at=now,
        )
    raise failure


def copy_finish(*, user_id: str, proof: DpopProof, now: datetime, ip: str = "") -> AppActivation:
    """The new app gives the user ID; a temporary PIN goes by SMS, as for any activation."""
    with transaction.atomic():
        found = (
            CopyOffer.objects.select_for_update(of=("self",))
            .select_related("identity__person")
            .filter(new_thumbprint=proof.thumbprint)
            .order_by("-created_at")
            .first()
        )
        offer = _live_offer(found, now, CopyOffer.State.CONFIRMED)
        if offer.activation_id is not None:
            raise AppRefused("copy_state")  # one temporary PIN per copy
        identity = offer.identity
        if identity.user_id.casefold() != user_id.strip().casefold():
            offer.code_failures += 1
            if offer.code_failures >= policy().code_max_failures:
                offer.state = CopyOffer.State.CANCELLED
            offer.save(update_fields=["code_failures", "state"])
            failure = AppRefused("user_id_wrong")
        else:
            failure = None
    if failure is not None:
        audit_record(
            action="app.copy_finish",
            outcome="user_id_wrong",
            subject=identity.user_id,
            ip=ip,
            data={"copy": offer.id},
            at=now,
        )
        raise failure
    with transaction.atomic():
        offer = CopyOffer.objects.select_for_update().get(pk=offer.pk)
        offer = _live_offer(offer, now, CopyOffer.State.CONFIRMED)
        if offer.activation_id is not None:
            raise AppRefused("copy_state")
        activation, _pin = new_activation(identity, AppActivation.Via.COPY, now, level=offer.level)
        offer.activation = activation
        offer.save(update_fields=["activation"])
        audit_record(
            action="app.activation_start",
            subject=identity.user_id,
            ip=ip,
            data={"via": "copy", "copy": offer.id},
            at=now,
        )
    return activation
