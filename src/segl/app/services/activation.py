"""Activating an app: an activation code, a temporary PIN by SMS, then the app's key and PIN."""

from __future__ import annotations

import hmac
import itertools
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from segl.audit.services import audit_record
from segl.authenticators.models import DEFAULT_APP_NAME, Authenticator, Kind
from segl.core.dpop import DpopProof
from segl.core.errors import SeglError
from segl.identities.models import Identity
from segl.identities.passwords import hasher
from segl.notify.notices import send_temporary_pin, tell

from ..models import ActivationCode, AppActivation, AppInstance, CopyOffer
from ..webpush import notify_app
from .base import CODE_ALPHABET, AppRefused, policy, sha256_hex


def _normalise_activation_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def activation_code_issue(
    *, identity: Identity, now: datetime, issued_by: str = "", ip: str = ""
) -> str:
    """A one-use code, valid 7 days by default, with which the identity can activate an app."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    ActivationCode.objects.create(
        identity=identity,
        code_hash=sha256_hex(raw),
        issued_by=issued_by,
        created_at=now,
        expires_at=now + timedelta(days=policy().activation_code_days),
    )
    audit_record(
        action="app.activation_code",
        actor=issued_by,
        subject=identity.user_id,
        ip=ip,
        data={},
        at=now,
    )
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def new_activation(
    identity: Identity, via: str, now: datetime, *, level: str = "substantial"
) -> tuple[AppActivation, str]:
    """A temporary PIN by SMS for a new app, which will reach ``level`` (how it is bound)."""
    if not identity.person.phone:
        raise AppRefused("no_phone")
    pin = f"{secrets.randbelow(10**6):06d}"
    activation = AppActivation.objects.create(
        id=secrets.token_urlsafe(32),
        identity=identity,
        via=via,
        level=level,
        temporary_pin_hash=sha256_hex(pin),
        created_at=now,
        expires_at=now + timedelta(minutes=policy().activation_minutes),
    )
    send_temporary_pin(to=identity.person.phone, pin=pin, now=now, until=activation.expires_at)
    return activation, pin


def activation_start(*, user_id: str, code: str, now: datetime, ip: str = "") -> AppActivation:
    """User ID and activation code → a temporary PIN by SMS. Whether the user ID or the code
    was wrong is not told apart; that one was left empty is (it is no try)."""
    if not user_id.strip():
        raise AppRefused("user_id_missing")
    if not _normalise_activation_code(code):
        raise AppRefused("activation_code_missing")
    with transaction.atomic():
        digest = sha256_hex(_normalise_activation_code(code))
        issued = (
            ActivationCode.objects.select_for_update()
            .select_related("identity__person")
            .filter(code_hash=digest)
            .first()
        )
        identity = issued.identity if issued else None
        if (
            issued is None
            or identity is None
            or identity.user_id.casefold() != user_id.strip().casefold()
            or issued.used_at is not None
            or now >= issued.expires_at
            or not identity.is_active
        ):
            failure: SeglError = AppRefused("activation_code_invalid")
        else:
            issued.used_at = now
            issued.save(update_fields=["used_at"])
            activation, _pin = new_activation(identity, AppActivation.Via.CODE, now)
            audit_record(
                action="app.activation_start",
                subject=identity.user_id,
                ip=ip,
                data={"via": "code"},
                at=now,
            )
            return activation
    audit_record(
        action="app.activation_start",
        outcome="refused",
        subject=user_id.strip()[:64],
        ip=ip,
        data={"via": "code"},
        at=now,
    )
    raise failure


def check_pin_policy(pin: str) -> str:
    """4 to 6 digits, not all the same and not a run up or down (1234, 9876)."""
    if not isinstance(pin, str) or not pin.isascii() or not pin.isdigit():
        raise AppRefused("pin_digits")
    if not 4 <= len(pin) <= 6:
        raise AppRefused("pin_length")
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        raise AppRefused("pin_too_simple")
    return pin


def activation_finish(
    *,
    activation_id: str,
    temporary_pin: str,
    pin: str,
    proof: DpopProof,
    now: datetime,
    name: str = "",
    notifications: bool = False,
    ip: str = "",
) -> AppInstance:
    """The temporary PIN from the SMS, the new PIN and the app's key (the DPoP proof's)."""
    failure: SeglError | None = None
    with transaction.atomic():
        activation = (
            AppActivation.objects.select_for_update()
            .select_related("identity__person")
            .filter(pk=str(activation_id)[:43])
            .first()
        )
        if activation is None or activation.completed_at or now >= activation.expires_at:
            raise AppRefused("activation_expired")
        identity = activation.identity
        given = sha256_hex(str(temporary_pin).strip())
        if not hmac.compare_digest(given, activation.temporary_pin_hash):
            activation.failures += 1
            if activation.failures >= policy().temporary_pin_max_failures:
                activation.expires_at = now
                failure = AppRefused("activation_expired")
            else:
                failure = AppRefused("temporary_pin_wrong")
            activation.save(update_fields=["failures", "expires_at"])
            audit_record(
                action="app.activate",
                outcome="temporary_pin_wrong",
                subject=identity.user_id,
                ip=ip,
                data={"via": activation.via},
                at=now,
            )
        else:
            check_pin_policy(pin)
            offer = None
            if activation.via == AppActivation.Via.COPY:
                offer = (
                    CopyOffer.objects.select_for_update(of=("self",))  # maybe no old app
                    .select_related("instance__authenticator")
                    .filter(activation=activation)
                    .first()
                )
                if offer is None or offer.state != CopyOffer.State.CONFIRMED:
                    raise AppRefused("copy_state")
                old_app = offer.instance
                if (
                    old_app is not None
                    and old_app.authenticator.status != Authenticator.Status.ACTIVE
                ):
                    raise AppRefused("copy_state")  # the old app was retired meanwhile
                if not hmac.compare_digest(offer.new_thumbprint, proof.thumbprint):
                    raise AppRefused("key_mismatch")
            Identity.objects.select_for_update().filter(pk=identity.pk).first()
            active = Authenticator.objects.filter(
                identity=identity, kind=Kind.APP, status=Authenticator.Status.ACTIVE
            ).count()
            if active >= policy().max_apps:
                raise AppRefused("too_many_apps")
            if AppInstance.objects.filter(thumbprint=proof.thumbprint).exists():
                raise AppRefused("key_in_use")
            auth = Authenticator.objects.create(
                identity=identity,
                kind=Kind.APP,
                level=activation.level,
                name=(name or DEFAULT_APP_NAME)[:64],
                activated_at=now,
            )
            instance = AppInstance.objects.create(
                authenticator=auth,
                thumbprint=proof.thumbprint,
                public_key=proof.jwk,
                pin_hash=hasher().hash(pin),
                notifications=bool(notifications),
                created_at=now,
            )
            activation.completed_at = now
            activation.save(update_fields=["completed_at"])
            tell(identity.person, "new_authenticator", kind=Kind.APP, now=now)
            audit_record(
                action="app.activate",
                subject=identity.user_id,
                ip=ip,
                data={"via": activation.via, "thumbprint": proof.thumbprint},
                at=now,
            )
            if offer is not None:
                offer.state = CopyOffer.State.COMPLETED
                offer.save(update_fields=["state"])
                if offer.instance is not None:  # a proofing phone has no app to tell
                    notify_app(offer.instance, "app_copied")
            return instance
    assert failure is not None
    raise failure
