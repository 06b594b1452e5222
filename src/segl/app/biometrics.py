"""Unlocking the app with biometrics: a WebAuthn platform credential with user verification
(the phone's fingerprint or face recognition), registered at activation, on the python-fido2
server. The PIN stays: registering biometrics needs an unlock by PIN, and 5 wrong PINs lock the
app whatever biometrics would say."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAttachment,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialUserEntity,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from segl.audit.services import audit_record

from .models import AppInstance
from .services.base import AppRefused, policy
from .services.unlock import require_unlocked

CEREMONY = timedelta(minutes=2)


def _origin() -> str:
    parts = urlsplit(str(settings.CONFIG.base_url))
    return f"{parts.scheme}://{parts.netloc}"


def _server() -> Fido2Server:
    host = urlsplit(str(settings.CONFIG.base_url)).hostname or "localhost"
    origin = _origin()
    return Fido2Server(
        PublicKeyCredentialRpEntity(id=host, name="segl"),
        verify_origin=lambda given: given == origin,
    )


def _locked(instance: AppInstance) -> AppInstance:
    return (
        AppInstance.objects.select_for_update()
        .select_related("authenticator__identity")
        .get(pk=instance.pk)
    )


def _take_state(instance: AppInstance, purpose: str, now: datetime) -> dict[str, Any]:
    """The ceremony begun for ``purpose``, used once: a second answer finds nothing."""
    held = instance.webauthn_state or {}
    instance.webauthn_state = None
    instance.save(update_fields=["webauthn_state"])
    if held.get("purpose") != purpose or now >= datetime.fromisoformat(held["expires"]):
        raise AppRefused("biometrics_expired")
    state: dict[str, Any] = held["state"]
    return state


def _begin(instance: AppInstance, purpose: str, state: Any, now: datetime) -> None:
    instance.webauthn_state = {
        "purpose": purpose,
        "state": dict(state),
        "expires": (now + CEREMONY).isoformat(),
    }
    instance.save(update_fields=["webauthn_state"])


def register_begin(*, instance: AppInstance, now: datetime) -> dict[str, Any]:
    """Options for ``navigator.credentials.create``; the app must be unlocked by its PIN."""
    with transaction.atomic():
        instance = _locked(instance)
        require_unlocked(instance, now)
        if instance.unlocked_by != "pin":
            raise AppRefused("pin_needed")
        user_id = instance.authenticator.identity.user_id
        options, state = _server().register_begin(
            PublicKeyCredentialUserEntity(
                id=instance.thumbprint.encode()[:64], name=user_id, display_name=user_id
            ),
            user_verification=UserVerificationRequirement.REQUIRED,
            authenticator_attachment=AuthenticatorAttachment.PLATFORM,
            resident_key_requirement=ResidentKeyRequirement.DISCOURAGED,
        )
        _begin(instance, "register", state, now)
    public_key: dict[str, Any] = dict(options)["publicKey"]
    return public_key


def register_finish(
    *, instance: AppInstance, credential: Mapping[str, Any], now: datetime, ip: str = ""
) -> None:
    failure: AppRefused
    with transaction.atomic():
        instance = _locked(instance)
        user_id = instance.authenticator.identity.user_id
        state = _take_state(instance, "register", now)
        try:
            auth_data = _server().register_complete(state, credential)
        except Exception as exc:  # python-fido2 raises ValueError, KeyError, TypeError, ...
            failure = AppRefused("biometrics_failed")
            failure.__cause__ = exc
        else:
            if not auth_data.is_user_verified() or auth_data.credential_data is None:
                failure = AppRefused("biometrics_failed")
            else:
                instance.biometric_credential = websafe_encode(auth_data.credential_data)
                instance.biometric_sign_count = auth_data.counter
                instance.save(update_fields=["biometric_credential", "biometric_sign_count"])
                audit_record(
                    action="app.biometrics", outcome="registered", subject=user_id, ip=ip, at=now
                )
                return
        audit_record(action="app.biometrics", outcome="refused", subject=user_id, ip=ip, at=now)
    raise failure


def _credential(instance: AppInstance) -> AttestedCredentialData:
    if not instance.biometric_credential:
        raise AppRefused("biometrics_not_set_up")
    return AttestedCredentialData(websafe_decode(instance.biometric_credential))


def unlock_begin(*, instance: AppInstance, now: datetime) -> dict[str, Any]:
    """Options for ``navigator.credentials.get``."""
    with transaction.atomic():
        instance = _locked(instance)
        options, state = _server().authenticate_begin(
            [_credential(instance)], user_verification=UserVerificationRequirement.REQUIRED
        )
        _begin(instance, "unlock", state, now)
    public_key: dict[str, Any] = dict(options)["publicKey"]
    return public_key


def unlock_finish(
    *, instance: AppInstance, credential: Mapping[str, Any], now: datetime, ip: str = ""
) -> datetime:
    """Check the assertion; the app is unlocked as by its PIN, for the same short time."""
    failure: AppRefused
    with transaction.atomic():
        instance = _locked(instance)
        user_id = instance.authenticator.identity.user_id
        state = _take_state(instance, "unlock", now)
        stored = _credential(instance)
        try:
            _server().authenticate_complete(state, [stored], credential)
            auth_data = AuthenticationResponse.from_dict(credential).response.authenticator_data
        except Exception as exc:  # python-fido2 raises ValueError, KeyError, TypeError, ...
            failure = AppRefused("biometrics_failed")
            failure.__cause__ = exc
        else:
            if not auth_data.is_user_verified():
                failure = AppRefused("biometrics_failed")
            elif auth_data.counter and auth_data.counter <= instance.biometric_sign_count:
                failure = AppRefused("biometrics_cloned")
            else:
                # A biometric unlock does not end a run of wrong PINs: only the PIN does.
                instance.biometric_sign_count = auth_data.counter
                instance.unlocked_until = now + timedelta(seconds=policy().unlock_seconds)
                instance.unlocked_by = "biometrics"
                instance.save(
                    update_fields=[
                        "biometric_sign_count",
                        "unlocked_until",
                        "unlocked_by",
                    ]
                )
                audit_record(
                    action="app.unlock",
                    outcome="ok",
                    subject=user_id,
                    ip=ip,
                    data={"by": "biometrics"},
                    at=now,
                )
                return instance.unlocked_until
        audit_record(
            action="app.unlock",
            outcome="biometrics_failed",
            subject=user_id,
            ip=ip,
            data={"by": "biometrics"},
            at=now,
        )
    raise failure
