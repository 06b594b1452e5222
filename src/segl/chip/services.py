"""The chip's two WebAuthn ceremonies on the server (WebAuthn Level 2 §7), through
python-fido2's :class:`~fido2.server.Fido2Server`: registration binds a chip from the inventory
to an identity (activation), an assertion proves the identity holds it (login).

Each ceremony is begin/finish. ``*_begin`` keeps python-fido2's state in a
:class:`~.models.ChipChallenge` and returns the options for the browser as JSON;
``*_finish`` spends the challenge first, in a transaction of its own (so a refused answer
cannot be tried again), then verifies. Every outcome is audited, refusals with their reason
(:mod:`.errors`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from fido2 import cbor
from fido2.cose import CoseKey
from fido2.server import Fido2Server
from fido2.webauthn import (
    AttestationConveyancePreference,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorData,
    CollectedClientData,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    RegistrationResponse,
    UserVerificationRequirement,
)

from segl.audit.services import audit_record
from segl.authenticators.models import Authenticator, Device, Kind
from segl.authenticators.services import (
    NOT_ACTIVATED,
    authenticator_retire,
    authenticator_suspend,
)
from segl.core import serials
from segl.core.errors import PasswordRejected
from segl.core.sign_count import may_be_cloned
from segl.identities.models import Identity
from segl.identities.services import new_password_fields, password_hash_new
from segl.notify.notices import tell

from .errors import ChipRefused
from .models import ChipChallenge, ChipCredential
from .trust import chip_trust

CHALLENGE_LIFETIME = timedelta(minutes=5)
RP_NAME = "segl"
T = TypeVar("T")


def _rp_id() -> str:
    host = urlsplit(settings.CONFIG.base_url).hostname
    assert host is not None  # checked when the configuration loads
    return host


def _origin() -> str:
    parts = urlsplit(settings.CONFIG.base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _server(verify_attestation: Callable[[Any, bytes], None] | None = None) -> Fido2Server:
    origin = _origin()
    return Fido2Server(
        PublicKeyCredentialRpEntity(name=RP_NAME, id=_rp_id()),
        attestation=AttestationConveyancePreference.DIRECT,
        # Exactly segl's own origin: no subdomain, no other port (WebAuthn L2 §7.1 step 9).
        verify_origin=lambda received: received == origin,
        verify_attestation=verify_attestation,
    )


def _audited(action: str, subject: list[str], work: Callable[[], T], now: datetime) -> T:
    """Run ``work``; a refusal is audited with its reason (after ``work``'s transactions have
    ended, so the record is kept) and raised again."""
    try:
        return work()
    except ChipRefused as refused:
        with transaction.atomic():
            audit_record(
                action=action,
                outcome=refused.reason,
                subject=subject[0] if subject else "",
                at=now,
            )
        raise


def _new_challenge(
    *, purpose: str, identity: Identity, state: Mapping[str, Any], now: datetime, **extra: str
) -> ChipChallenge:
    return ChipChallenge.objects.create(
        id=secrets.token_urlsafe(32),
        purpose=purpose,
        identity=identity,
        state=dict(state),
        created_at=now,
        expires_at=now + CHALLENGE_LIFETIME,
        **extra,
    )


def _spend(challenge_id: str, purpose: str, now: datetime) -> ChipChallenge:
    """Take a challenge once: locked, checked and marked used in one transaction."""
    with transaction.atomic():
        challenge = (
            ChipChallenge.objects.select_for_update()
            .select_related("identity")
            .filter(pk=challenge_id, purpose=purpose)
            .first()
        )
        if challenge is None:
            raise ChipRefused("challenge_unknown")
        if challenge.used_at is not None:
            raise ChipRefused("challenge_used")
        if now >= challenge.expires_at:
            raise ChipRefused("challenge_expired")
        challenge.used_at = now
        challenge.save(update_fields=["used_at"])
    return challenge


def _check_client(client_data: CollectedClientData, auth_data: AuthenticatorData) -> None:
    """Origin and rpId, told apart for the audit log and the page; python-fido2 checks them
    again with the rest (WebAuthn L2 §7.1 steps 9 and 13, §7.2 steps 13 and 15)."""
    if client_data.origin != _origin():
        raise ChipRefused("wrong_origin")
    if not secrets.compare_digest(auth_data.rp_id_hash, hashlib.sha256(_rp_id().encode()).digest()):
        raise ChipRefused("wrong_rp")


def _active_credentials(identity: Identity) -> list[ChipCredential]:
    return list(
        ChipCredential.objects.filter(
            authenticator__identity=identity,
            authenticator__status=Authenticator.Status.ACTIVE,
        )
    )


def _descriptor(credential: ChipCredential) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(
        type=PublicKeyCredentialType.PUBLIC_KEY, id=bytes(credential.credential_id)
    )


# -- registration (activation) -------------------------------------------------------------


def registration_begin(
    *, identity: Identity, serial: str, now: datetime, password: str | None = None
) -> tuple[dict[str, Any], str]:
    """Options for ``navigator.credentials.create`` and the challenge's id, for the chip with
    this serial; :class:`ChipRefused` if the inventory has no such chip for this identity. A
    new ``password`` (created and confirmed by the citizen) is checked against the policy
    (``PasswordRejected``) and kept, hashed, with the challenge until the chip is activated."""
    subject = [identity.user_id]
    # None: the identity keeps its password (the desk asks for one only if there is none).
    password_hash = (
        "" if password is None else password_hash_new(password, user_id=identity.user_id)
    )
    if not password_hash and not identity.password_hash:
        raise PasswordRejected("too_short")  # a chip is always used with a password

    def work() -> tuple[dict[str, Any], str]:
        serial_ = serials.normalise_serial(serial)
        _inventory_chip(identity, serial_)
        options, state = _server().register_begin(
            PublicKeyCredentialUserEntity(
                name=identity.user_id,
                # The user handle: not the user ID, which a person may choose and change.
                id=hashlib.sha256(f"segl-chip-user:{identity.pk}".encode()).digest(),
                display_name=identity.user_id,
            ),
            credentials=[_descriptor(c) for c in _active_credentials(identity)],
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        challenge = _new_challenge(
            purpose=ChipChallenge.Purpose.REGISTER,
            identity=identity,
            state=state,
            now=now,
            serial=serial_,
            password_hash=password_hash,
        )
        return dict(options), challenge.pk

    return _audited("chip.register_begin", subject, work, now)


def registration_identity(challenge_id: str) -> Identity:
    """Whom a registration's challenge was made for; :class:`ChipRefused` if there is none."""
    challenge = (
        ChipChallenge.objects.select_related("identity__person")
        .filter(pk=challenge_id, purpose=ChipChallenge.Purpose.REGISTER)
        .first()
    )
    if challenge is None:
        raise ChipRefused("challenge_unknown")
    return challenge.identity


def _inventory_chip(identity: Identity, serial: str, *, lock: bool = False) -> Device:
    devices = Device.objects.select_for_update() if lock else Device.objects
    device = devices.filter(serial=serial, kind=Kind.CHIP).first()
    if device is None:
        raise ChipRefused("unknown_serial")
    if device.assigned_to_id not in (None, identity.pk):
        raise ChipRefused("not_yours")
    if device.status not in NOT_ACTIVATED:
        raise ChipRefused("chip_used")
    return device


def registration_finish(
    *, challenge_id: str, identity: Identity, response: Mapping[str, Any], now: datetime
) -> Authenticator:
    """Verify the chip's answer and activate it: a new chip authenticator with its credential,
    and the new password given at the start, in one transaction; the identity's previous chip
    is retired (one active chip at a time)."""
    subject = [identity.user_id]

    def work() -> Authenticator:
        challenge = _spend(challenge_id, ChipChallenge.Purpose.REGISTER, now)
        if challenge.identity_id != identity.pk:
            raise ChipRefused("challenge_unknown")
        try:
            registration = RegistrationResponse.from_dict(response)
            client_data = registration.response.client_data
            auth_data = registration.response.attestation_object.auth_data
        except Exception:  # whatever does not parse is malformed
            raise ChipRefused("invalid") from None
        _check_client(client_data, auth_data)
        models: list[str] = []

        def verify_attestation(attestation: Any, client_data_hash: bytes) -> None:
            models.append(chip_trust().verify(attestation, client_data_hash))

        try:
            auth_data = _server(verify_attestation).register_complete(challenge.state, registration)
        except ChipRefused:
            raise
        except ValueError:
            raise ChipRefused("invalid") from None
        except Exception:  # a certificate the library's chain check cannot take (it asserts)
            raise ChipRefused("attestation_invalid") from None
        return _activate(
            identity, challenge.serial, auth_data, models[0], now, challenge.password_hash
        )

    return _audited("chip.register", subject, work, now)


def _activate(
    identity: Identity,
    serial: str,
    auth_data: AuthenticatorData,
    model: str,
    now: datetime,
    password_hash: str,
) -> Authenticator:
    credential = auth_data.credential_data
    if credential is None:
        raise ChipRefused("invalid")
    with transaction.atomic():
        device = _inventory_chip(identity, serial, lock=True)
        if device.model and device.model != str(credential.aaguid):
            # The serial's batch is of another model: this is some other key, not that chip.
            raise ChipRefused("wrong_model")
        if ChipCredential.objects.filter(credential_id=credential.credential_id).exists():
            raise ChipRefused("chip_used")
        retired = []
        for old in Authenticator.objects.filter(
            identity=identity, kind=Kind.CHIP, status=Authenticator.Status.ACTIVE
        ).select_related("device"):
            authenticator_retire(authenticator_id=old.pk, now=now, actor="chip.register")
            retired.append(old.device.serial if old.device else str(old.pk))
        device.status = Device.Status.ACTIVE
        device.assigned_to = identity
        device.save(update_fields=["status", "assigned_to"])
        authenticator = Authenticator.objects.create(
            identity=identity,
            kind=Kind.CHIP,
            device=device,
            status=Authenticator.Status.ACTIVE,
            activated_at=now,
            # A phishing-resistant key bound to an identity proofed at High reaches High.
            level="high" if identity.ial == "high" else "substantial",
        )
        ChipCredential.objects.create(
            authenticator=authenticator,
            serial=serial,
            credential_id=credential.credential_id,
            public_key=cbor.encode(credential.public_key),
            aaguid=str(credential.aaguid),
            sign_count=auth_data.counter,
            user_verified=auth_data.is_user_verified(),
            created_at=now,
        )
        fields = ["preferred_method"]
        if not identity.preferred_method:
            identity.preferred_method = Kind.CHIP
        if password_hash:
            fields += new_password_fields(identity, password_hash, now)
        identity.save(update_fields=fields)
        audit_record(
            action="chip.register",
            subject=identity.user_id,
            data={
                "serial": serial,
                "aaguid": str(credential.aaguid),
                "model": model,
                "user_verified": auth_data.is_user_verified(),
                "retired": retired,
            },
            at=now,
        )
    return authenticator


# -- assertion (login) ---------------------------------------------------------------------


def assertion_begin(
    *, identity: Identity, flow_id: str, now: datetime
) -> tuple[dict[str, Any], str]:
    """Options for ``navigator.credentials.get``, allowing only the identity's active chip,
    with a fresh 32-byte challenge; and the challenge's id."""
    subject = [identity.user_id]

    def work() -> tuple[dict[str, Any], str]:
        credentials = _active_credentials(identity)
        if not credentials:
            raise ChipRefused("no_chip")
        options, state = _server().authenticate_begin(
            [_descriptor(c) for c in credentials],
            user_verification=UserVerificationRequirement.PREFERRED,
        )
        challenge = _new_challenge(
            purpose=ChipChallenge.Purpose.LOGIN,
            identity=identity,
            state=state,
            now=now,
            flow_id=flow_id,
        )
        return dict(options), challenge.pk

    return _audited("chip.login_begin", subject, work, now)


def assertion_finish(
    *, challenge_id: str, response: Mapping[str, Any], now: datetime, flow_id: str = ""
) -> Authenticator:
    """The chip authenticator that signed this login's challenge (begun for ``flow_id``, if
    given); :class:`ChipRefused` otherwise. A signature counter that does not move forward
    suspends the chip (``cloned``)."""
    subject: list[str] = []

    def work() -> Authenticator:
        challenge = _spend(challenge_id, ChipChallenge.Purpose.LOGIN, now)
        if flow_id and challenge.flow_id != flow_id:
            raise ChipRefused("challenge_unknown")  # another login's challenge
        identity = challenge.identity
        subject.append(identity.user_id)
        try:
            assertion = AuthenticationResponse.from_dict(response)
            client_data = assertion.response.client_data
            auth_data = assertion.response.authenticator_data
        except Exception:  # whatever does not parse is malformed
            raise ChipRefused("invalid") from None
        stored = (
            ChipCredential.objects.select_related("authenticator")
            .filter(credential_id=assertion.raw_id)
            .first()
        )
        if stored is None:
            raise ChipRefused("unknown_credential")
        # WebAuthn L2 §7.2 step 6: the credential must be this user's.
        if stored.authenticator.identity_id != identity.pk:
            raise ChipRefused("other_identity")
        if stored.authenticator.status != Authenticator.Status.ACTIVE:
            raise ChipRefused("not_active")
        if not chip_trust().accepts(stored.aaguid):
            raise ChipRefused("model_not_accepted")  # taken off the list since it registered
        _check_client(client_data, auth_data)
        public_key = CoseKey.parse(cast(dict[int, Any], cbor.decode(bytes(stored.public_key))))
        record = AttestedCredentialData.create(
            bytes.fromhex(stored.aaguid.replace("-", "")), bytes(stored.credential_id), public_key
        )
        try:
            _server().authenticate_complete(challenge.state, [record], assertion)
        except ValueError:
            raise ChipRefused("invalid") from None
        return _counted(stored.pk, auth_data.counter, identity, now)

    return _audited("chip.login", subject, work, now)


def _counted(credential_pk: int, received: int, identity: Identity, now: datetime) -> Authenticator:
    """Keep the new signature counter, or suspend a chip that may be a clone (WebAuthn L2
    §6.1.1 step 21, :mod:`segl.core.sign_count`)."""
    with transaction.atomic():
        credential = (
            ChipCredential.objects.select_for_update()
            .select_related("authenticator")
            .get(pk=credential_pk)
        )
        authenticator = credential.authenticator
        cloned = may_be_cloned(credential.sign_count, received)
        if cloned:
            authenticator_suspend(
                authenticator_id=authenticator.pk, now=now, reason="cloned", actor="chip.login"
            )
            tell(identity.person, "chip_cloned", now=now)
        else:
            credential.sign_count = received
            credential.save(update_fields=["sign_count"])
            authenticator.last_used_at = now
            authenticator.save(update_fields=["last_used_at"])
            audit_record(
                action="chip.login",
                subject=identity.user_id,
                data={"serial": credential.serial, "sign_count": received},
                at=now,
            )
    if cloned:  # after the commit: the suspension stays
        raise ChipRefused("cloned")
    return authenticator
