"""The app authenticator's services: activation, unlock, and the app's part of a login.

Every rule of the app protocol is enforced here, on the server: a request is approved only by
an unlocked app of the flow's identity, after it proved the binding (QR or one-time code), over
the exact text shown, once, before the request expires. Each service owns its transaction and
writes its audit events; failures are recorded before they are raised, so a rollback never
erases a counted attempt.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from segl.audit.services import audit_record
from segl.authenticators.models import Authenticator, Kind
from segl.authenticators.services import authenticator_retire, authenticator_suspend
from segl.core import app as protocol
from segl.core.errors import (
    AppProtocolError,
    BindingInvalid,
    FlowError,
    ProofInvalid,
    SeglError,
    TransitionRefused,
    WrongPassword,
)
from segl.flows.models import Flow
from segl.flows.services import APP_STEP, browser_key_hash, flow_app_answered
from segl.identities.models import Identity
from segl.identities.passwords import hasher
from segl.notify.notices import send_temporary_pin, tell

from . import doorbell
from .models import (
    ActivationCode,
    AppActivation,
    AppInstance,
    AppRequest,
    ApprovalMode,
    CopyOffer,
    DelayedChange,
    DpopJti,
)
from .push import push

MAX_APPS = 3
PIN_MAX_FAILURES = 5
CODE_MAX_FAILURES = 3
TEMPORARY_PIN_MAX_FAILURES = 3
REQUESTS_PER_WINDOW = 5
REQUEST_WINDOW = timedelta(minutes=10)
ACTIVATION_MINUTES = 10
ACTIVATION_CODE_DAYS = 7
ONE_TIME_CODES_DELAY = timedelta(hours=24)
COPY_MINUTES = 3
COPY_PREFIX = "segl-copy."
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AppRefused(AppProtocolError):
    """The request breaks a rule the citizen or the app must be told about (``reason``)."""

    code = "app_refused"
    audited = False  # True once the refusal is in the audit log


class WrongPin(AppProtocolError):
    code = "pin_wrong"

    def __init__(self, remaining: int) -> None:
        super().__init__("pin_wrong")
        self.remaining = remaining


def _config() -> Any:
    return settings.CONFIG


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- who is asking: DPoP ----------------------------------------------------------------------


def dpop_accept(proof: Any, *, method: str, url: str, now: datetime) -> protocol.DpopProof:
    """Verify a DPoP proof and accept its ``jti`` once (RFC 9449 §11.1)."""
    checked = protocol.verify_dpop(proof, method=method, url=url, now=now)
    try:
        with transaction.atomic():
            DpopJti.objects.create(
                jti_hash=_sha256(checked.thumbprint + "\0" + checked.jti),
                expires_at=now + timedelta(minutes=2),
            )
    except IntegrityError:
        raise ProofInvalid("jti_replayed") from None
    return checked


def instance_for(proof: protocol.DpopProof, *, ip: str = "") -> AppInstance:
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


# -- activation -----------------------------------------------------------------------------------


def _normalise_activation_code(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


def activation_code_issue(
    *, identity: Identity, now: datetime, issued_by: str = "", ip: str = ""
) -> str:
    """A one-use code, valid 7 days, with which the identity can activate an app."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    ActivationCode.objects.create(
        identity=identity,
        code_hash=_sha256(raw),
        issued_by=issued_by,
        created_at=now,
        expires_at=now + timedelta(days=ACTIVATION_CODE_DAYS),
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


def _new_activation(identity: Identity, via: str, now: datetime) -> tuple[AppActivation, str]:
    if not identity.person.phone:
        raise AppRefused("no_phone")
    pin = f"{secrets.randbelow(10**6):06d}"
    activation = AppActivation.objects.create(
        id=secrets.token_urlsafe(32),
        identity=identity,
        via=via,
        temporary_pin_hash=_sha256(pin),
        created_at=now,
        expires_at=now + timedelta(minutes=ACTIVATION_MINUTES),
    )
    send_temporary_pin(to=identity.person.phone, pin=pin, now=now, until=activation.expires_at)
    return activation, pin


def activation_start(*, user_id: str, code: str, now: datetime, ip: str = "") -> AppActivation:
    """User ID and activation code → a temporary PIN by SMS. Whether the user ID or the code
    was wrong is not told apart."""
    with transaction.atomic():
        digest = _sha256(_normalise_activation_code(code))
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
            activation, _pin = _new_activation(identity, AppActivation.Via.CODE, now)
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
    proof: protocol.DpopProof,
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
        given = _sha256(str(temporary_pin).strip())
        if not hmac.compare_digest(given, activation.temporary_pin_hash):
            activation.failures += 1
            if activation.failures >= TEMPORARY_PIN_MAX_FAILURES:
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
                    CopyOffer.objects.select_for_update()
                    .select_related("instance__authenticator")
                    .filter(activation=activation)
                    .first()
                )
                if offer is None or offer.state != CopyOffer.State.CONFIRMED:
                    raise AppRefused("copy_state")
                if offer.instance.authenticator.status != Authenticator.Status.ACTIVE:
                    raise AppRefused("copy_state")  # the old app was retired meanwhile
                if not hmac.compare_digest(offer.new_thumbprint, proof.thumbprint):
                    raise AppRefused("key_mismatch")
            Identity.objects.select_for_update().filter(pk=identity.pk).first()
            active = Authenticator.objects.filter(
                identity=identity, kind=Kind.APP, status=Authenticator.Status.ACTIVE
            ).count()
            if active >= MAX_APPS:
                raise AppRefused("too_many_apps")
            if AppInstance.objects.filter(thumbprint=proof.thumbprint).exists():
                raise AppRefused("key_in_use")
            auth = Authenticator.objects.create(
                identity=identity,
                kind=Kind.APP,
                name=(name or "segl app")[:64],
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
                push().notify(offer.instance, "app_copied", {"copy": offer.id})
            return instance
    assert failure is not None
    raise failure


# -- unlock ---------------------------------------------------------------------------------------


def app_unlock(*, instance_id: int, pin: str, now: datetime, ip: str = "") -> datetime:
    """Check the PIN; 5 wrong in a row lock the app until it is activated again."""
    failure: SeglError
    with transaction.atomic():
        instance = (
            AppInstance.objects.select_for_update()
            .select_related("authenticator__identity")
            .get(pk=instance_id)
        )
        user_id = instance.authenticator.identity.user_id
        if instance.locked_at is not None:
            failure, outcome = AppRefused("app_locked"), "locked"
        else:
            try:
                hasher().verify(instance.pin_hash, str(pin))
            except WrongPassword:
                instance.pin_failures += 1
                failure, outcome = WrongPin(PIN_MAX_FAILURES - instance.pin_failures), "pin_wrong"
                if instance.pin_failures >= PIN_MAX_FAILURES:
                    instance.locked_at = now
                    # One already suspended or retired stays so; the app is locked all the same.
                    with contextlib.suppress(TransitionRefused):
                        authenticator_suspend(
                            authenticator_id=instance.authenticator_id,
                            now=now,
                            reason="app_locked",
                            ip=ip,
                        )
                    failure, outcome = AppRefused("app_locked"), "locked"
                    tell(instance.authenticator.identity.person, "app_locked", now=now)
                instance.unlocked_until = None
                instance.save(update_fields=["pin_failures", "locked_at", "unlocked_until"])
            else:
                instance.pin_failures = 0
                instance.unlocked_until = now + timedelta(seconds=_config().app_unlock_seconds)
                instance.unlocked_by = "pin"
                instance.save(update_fields=["pin_failures", "unlocked_until", "unlocked_by"])
                audit_record(action="app.unlock", subject=user_id, ip=ip, data={}, at=now)
                return instance.unlocked_until
        audit_record(action="app.unlock", outcome=outcome, subject=user_id, ip=ip, data={}, at=now)
    raise failure


def _require_unlocked(instance: AppInstance, now: datetime) -> None:
    if instance.unlocked_until is None or now >= instance.unlocked_until:
        raise AppRefused("unlock_needed")


def _require_pin_unlock(instance: AppInstance, now: datetime) -> None:
    """Changes that weaken protection or add a way in need the PIN, not biometrics."""
    _require_unlocked(instance, now)
    if instance.unlocked_by != "pin":
        raise AppRefused("pin_needed")


# -- the app's part of a login ----------------------------------------------------------------


def _open_requests(identity: Identity) -> Any:
    return AppRequest.objects.filter(identity=identity, status__in=AppRequest.OPEN)


def too_many_requests(identity: Identity | None, now: datetime) -> bool:
    """Whether the identity had 5 unanswered requests in the last 10 minutes."""
    unanswered = (
        AppRequest.objects.filter(identity=identity, created_at__gt=now - REQUEST_WINDOW)
        .exclude(status__in=(AppRequest.Status.APPROVED, AppRequest.Status.REJECTED))
        .count()
    )
    return unanswered >= REQUESTS_PER_WINDOW


def app_request_open(*, flow: Flow, now: datetime, ip: str = "") -> AppRequest | None:
    """Ask the identity's apps to approve ``flow`` (the caller holds the flow's row lock).

    One open request per identity: a new one cancels the old. At most 5 unanswered requests per
    identity in 10 minutes, so nobody can flood a citizen's phone with requests to approve.
    """
    identity = flow.identity
    if identity is None:
        raise ValueError("an app request needs an identity")
    Identity.objects.select_for_update().filter(pk=identity.pk).first()
    if too_many_requests(identity, now):
        # Audited and not raised, so that the caller's transaction keeps the record; the step's
        # page sees no open request and says "too many requests".
        audit_record(
            action="app.request",
            outcome="too_many",
            subject=identity.user_id,
            ip=ip,
            data={"flow": flow.id},
            at=now,
        )
        return None
    _open_requests(identity).update(status=AppRequest.Status.CANCELLED, reason="superseded")
    expires = min(now + timedelta(seconds=_config().app_request_seconds), flow.expires_at)
    request = AppRequest.objects.create(
        id=secrets.token_urlsafe(24),
        flow=flow,
        identity=identity,
        qr_secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        code=protocol.new_binding_code(_config().app_code_length),
        device_token=secrets.token_urlsafe(32),
        text_sha256=protocol.text_sha256(flow.approval_text),
        created_at=now,
        expires_at=expires,
    )
    audit_record(
        action="app.request",
        subject=identity.user_id,
        ip=ip,
        data={"flow": flow.id, "request": request.id},
        at=now,
    )
    doorbell.ring(f"identity:{identity.pk}", f"flow:{flow.id}")
    for instance in AppInstance.objects.filter(
        authenticator__identity=identity,
        authenticator__status=Authenticator.Status.ACTIVE,
        notifications=True,
    ):
        push().notify(instance, "login_request", {"request": request.id})
    return request


def app_request_current(flow: Flow) -> AppRequest | None:
    return AppRequest.objects.filter(flow=flow).order_by("-created_at").first()


def request_state(request: AppRequest | None, now: datetime) -> str:
    """What the browser shows: pending, bound, approved, rejected, cancelled or expired."""
    if request is None:
        return "none"
    if request.status in AppRequest.OPEN and now >= request.expires_at:
        return "expired"
    return str(request.status)


def qr_text(request: AppRequest, now: datetime) -> str:
    secret = base64.urlsafe_b64decode(request.qr_secret)
    return protocol.qr_payload(request.flow_id, int(now.timestamp()), secret)


def pending_for(instance: AppInstance, now: datetime) -> AppRequest | None:
    """The open, unexpired request waiting for this app's identity, if any."""
    found: AppRequest | None = (
        _open_requests(instance.authenticator.identity)
        .filter(expires_at__gt=now, flow__step=APP_STEP, flow__expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    return found


@dataclass(frozen=True)
class Bound:
    """What the app shows once the binding is proven, and what it must sign."""

    request: str
    flow: str
    rp_name: str
    action: str
    text: str
    text_sha256: str
    channel: str
    expires_at: datetime
    same_device: bool = False


def _locked_request(
    instance: AppInstance, request_id: str, now: datetime, *, lock_identity: bool = False
) -> tuple[AppRequest, AppInstance]:
    """The request (of this app's identity) and the app, both under row locks, taken in the
    one order every service uses: flow, identity, request, app."""
    identity_id = instance.authenticator.identity_id
    flow_id = (
        AppRequest.objects.filter(pk=str(request_id)[:32], identity_id=identity_id)
        .values_list("flow_id", flat=True)
        .first()
    )
    if flow_id is None:
        raise AppRefused("request_unknown")
    Flow.objects.select_for_update(of=("self",)).filter(pk=flow_id).first()
    if lock_identity:
        Identity.objects.select_for_update().filter(pk=identity_id).first()
    request = (
        AppRequest.objects.select_for_update(of=("self",))
        .select_related("flow__application")
        .get(pk=str(request_id)[:32])
    )
    # The app as it is now, not as it was when the request came in.
    instance = (
        AppInstance.objects.select_for_update(of=("self",))
        .select_related("authenticator__identity")
        .get(pk=instance.pk)
    )
    if instance.locked_at is not None:
        raise AppRefused("app_locked")
    if instance.authenticator.status != Authenticator.Status.ACTIVE:
        raise AppRefused("app_inactive")
    if request.status in (AppRequest.Status.APPROVED, AppRequest.Status.REJECTED):
        raise AppRefused("request_answered")
    if request.status == AppRequest.Status.CANCELLED:
        raise AppRefused("request_cancelled")
    if now >= request.expires_at or now >= request.flow.expires_at:
        raise AppRefused("request_expired")
    if request.flow.step != APP_STEP:  # cancelled in the browser, or another method chosen
        raise AppRefused("request_cancelled")
    return request, instance


def app_request_bind(
    *,
    instance: AppInstance,
    request_id: str,
    now: datetime,
    qr: str | None = None,
    code: str | None = None,
    device: str | None = None,
    browser_key: str = "",
    ip: str = "",
) -> Bound:
    """The app proves it saw this flow's QR code, or its one-time code was typed in, or it was
    opened from the login page on the same device (seed 004): then it must also be in the very
    browser that started the login (its cookie), so a link sent elsewhere binds nothing."""
    user_id = instance.authenticator.identity.user_id
    binding = Binding(qr=qr, code=code, device=device, browser_key=browser_key)
    try:
        return _bind(instance, request_id, binding, now, ip)
    except AppRefused as exc:
        if not exc.audited:
            audit_record(
                action="app.bind",
                outcome="refused",
                subject=user_id,
                ip=ip,
                data={"request": str(request_id)[:32], "reason": exc.reason},
                at=now,
            )
        raise


@dataclass(frozen=True)
class Binding:
    """What the app offers as proof that it is near the login: one of the three."""

    qr: str | None = None
    code: str | None = None
    device: str | None = None
    browser_key: str = ""


def _bind(
    instance: AppInstance, request_id: str, binding: Binding, now: datetime, ip: str
) -> Bound:
    failure: SeglError
    user_id = instance.authenticator.identity.user_id
    qr, code, device = binding.qr, binding.code, binding.device
    with transaction.atomic():
        request, instance = _locked_request(instance, request_id, now)
        _require_unlocked(instance, now)
        if request.status == AppRequest.Status.BOUND:
            raise AppRefused("request_bound")
        data: dict[str, Any] = {"flow": request.flow_id, "request": request.id}
        try:
            if device is not None:
                if not hmac.compare_digest(device.encode(), request.device_token.encode()):
                    raise BindingInvalid("device_token_wrong")
                if not hmac.compare_digest(
                    request.flow.browser_key_hash, browser_key_hash(binding.browser_key)
                ):
                    raise BindingInvalid("other_browser")
            elif instance.approval_mode == ApprovalMode.QR:
                if qr is None:
                    raise BindingInvalid("qr_needed")
                protocol.check_qr(
                    protocol.parse_qr(qr),
                    flow_id=request.flow_id,
                    secret=base64.urlsafe_b64decode(request.qr_secret),
                    now=now,
                    max_age=timedelta(seconds=_config().app_qr_max_age_seconds),
                )
            else:
                if code is None:
                    raise BindingInvalid("code_needed")
                protocol.check_binding_code(code, request.code)
        except BindingInvalid as exc:
            failure = exc
            if exc.reason == "code_wrong":
                request.code_failures += 1
                if request.code_failures >= CODE_MAX_FAILURES:
                    request.status, request.reason = AppRequest.Status.CANCELLED, "code_wrong"
                    flow_app_answered(
                        flow_id=request.flow_id, approved=False, reason="app_code_wrong", now=now
                    )
                    cancelled = AppRefused("request_cancelled")
                    cancelled.audited = True  # just below, as the third wrong code
                    failure = cancelled
                request.save(update_fields=["code_failures", "status", "reason"])
                doorbell.ring(f"flow:{request.flow_id}")
            audit_record(
                action="app.bind",
                outcome=exc.reason,
                subject=user_id,
                ip=ip,
                data=data,
                at=now,
            )
        else:
            request.status = AppRequest.Status.BOUND
            request.instance = instance
            request.channel = secrets.token_urlsafe(32)
            request.save(update_fields=["status", "instance", "channel"])
            doorbell.ring(f"flow:{request.flow_id}")
            audit_record(action="app.bind", subject=user_id, ip=ip, data=data, at=now)
            flow = request.flow
            return Bound(
                request=request.id,
                flow=request.flow_id,
                rp_name=flow.application.name,
                action=flow.action,
                text=flow.approval_text,
                text_sha256=request.text_sha256,
                channel=request.channel,
                expires_at=request.expires_at,
                same_device=device is not None,
            )
    raise failure


def app_request_answer(
    *, instance: AppInstance, request_id: str, signed: str, now: datetime, ip: str = ""
) -> str:
    """The app's signed answer: approve, reject, or reject as "I did not start this". A refused
    answer changes nothing and is audited."""
    user_id = instance.authenticator.identity.user_id
    try:
        return _answer(instance, request_id, signed, now, ip)
    except (AppProtocolError, FlowError) as exc:
        audit_record(
            action="app.answer",
            outcome="refused",
            subject=user_id,
            ip=ip,
            data={"request": str(request_id)[:32], "reason": getattr(exc, "reason", exc.code)},
            at=now,
        )
        _late_fraud_report(instance, request_id, signed, now, ip)
        raise


def _late_fraud_report(
    instance: AppInstance, request_id: str, signed: str, now: datetime, ip: str
) -> None:
    """ "I did not start this" counts even when the request can no longer be answered (the
    fraudster cancelled, or it expired): if this app bound it and signed the report, record it."""
    request = (
        AppRequest.objects.select_related("flow__application")
        .filter(pk=str(request_id)[:32], instance=instance)
        .first()
    )
    if request is None or not request.channel:
        return
    try:
        approval = protocol.verify_approval(signed, instance.public_key)
    except ProofInvalid:
        return
    if approval.decision != "fraud" or not (
        hmac.compare_digest(approval.request, request.id)
        and hmac.compare_digest(approval.channel, request.channel)
    ):
        return
    audit_record(
        action="fraud.report",
        subject=instance.authenticator.identity.user_id,
        ip=ip,
        data={
            "flow": request.flow_id,
            "rp": request.flow.application.name,
            "text_sha256": request.text_sha256,
            "late": True,
        },
        at=now,
    )
    tell(instance.authenticator.identity.person, "fraud_reported_in_app", now=now)


def _answer(instance: AppInstance, request_id: str, signed: str, now: datetime, ip: str) -> str:
    user_id = instance.authenticator.identity.user_id
    with transaction.atomic():
        request, instance = _locked_request(instance, request_id, now, lock_identity=True)
        if request.status != AppRequest.Status.BOUND or request.instance_id != instance.pk:
            raise AppRefused("binding_needed")
        _require_unlocked(instance, now)
        approval = protocol.verify_approval(signed, instance.public_key)
        if not (
            hmac.compare_digest(approval.request, request.id)
            and hmac.compare_digest(approval.flow, request.flow_id)
            and hmac.compare_digest(approval.channel, request.channel)
        ):
            raise ProofInvalid("binding_mismatch")
        if not hmac.compare_digest(approval.text_sha256, request.text_sha256):
            raise AppRefused("text_changed")
        approved = approval.decision == "approve"
        request.status = AppRequest.Status.APPROVED if approved else AppRequest.Status.REJECTED
        request.reason = "" if approved else approval.decision
        request.signature = signed
        request.answered_at = now
        request.save(update_fields=["status", "reason", "signature", "answered_at"])
        doorbell.ring(f"flow:{request.flow_id}")
        amr = ("swk", "user" if instance.unlocked_by == "biometrics" else "pin")
        # One unlock, one answer: the next login asks for the PIN or biometrics again.
        instance.unlocked_until = None
        instance.save(update_fields=["unlocked_until"])
        flow_app_answered(
            flow_id=request.flow_id,
            approved=approved,
            reason="" if approved else f"app_{approval.decision}",
            amr=amr,
            now=now,
            ip=ip,
            authenticator_id=instance.authenticator_id,
        )
        audit_record(
            action="app.answer",
            outcome=approval.decision,
            subject=user_id,
            ip=ip,
            data={"flow": request.flow_id, "request": request.id},
            at=now,
        )
        if approval.decision == "fraud":
            audit_record(
                action="fraud.report",
                subject=user_id,
                ip=ip,
                data={
                    "flow": request.flow_id,
                    "rp": request.flow.application.name,
                    "text_sha256": request.text_sha256,
                },
                at=now,
            )
            tell(instance.authenticator.identity.person, "fraud_reported_in_app", now=now)
        return str(request.status)


# -- settings: QR or one-time codes (a delayed change) --------------------------------------------


def approval_mode_request(*, instance: AppInstance, mode: str, now: datetime, ip: str = "") -> str:
    """Switching to one-time codes weakens protection: it waits 24 hours, then needs confirming.
    Switching back to QR codes strengthens it: at once, and it cancels a pending switch."""
    user_id = instance.authenticator.identity.user_id
    if mode == ApprovalMode.CODE:
        _require_pin_unlock(instance, now)
    else:
        _require_unlocked(instance, now)
    with transaction.atomic():
        instance = AppInstance.objects.select_for_update().get(pk=instance.pk)
        pending = instance.changes.filter(
            what=DelayedChange.What.ONE_TIME_CODES, confirmed_at=None, cancelled_at=None
        )
        if mode == ApprovalMode.QR:
            pending.update(cancelled_at=now)
            instance.approval_mode = ApprovalMode.QR
            instance.save(update_fields=["approval_mode"])
            result = "qr"
        elif mode == ApprovalMode.CODE:
            if instance.approval_mode == ApprovalMode.CODE:
                return "code"
            if not pending.exists():
                DelayedChange.objects.create(
                    instance=instance,
                    what=DelayedChange.What.ONE_TIME_CODES,
                    requested_at=now,
                    effective_at=now + ONE_TIME_CODES_DELAY,
                )
                tell(instance.authenticator.identity.person, "delayed_change_requested", now=now)
            result = "pending"
        else:
            raise AppRefused("mode_unknown")
        audit_record(
            action="app.approval_mode",
            outcome=result,
            subject=user_id,
            ip=ip,
            data={"mode": mode},
            at=now,
        )
        return result


def approval_mode_pending(instance: AppInstance) -> DelayedChange | None:
    return (
        instance.changes.filter(
            what=DelayedChange.What.ONE_TIME_CODES, confirmed_at=None, cancelled_at=None
        )
        .order_by("-requested_at")
        .first()
    )


def approval_mode_confirm(*, instance: AppInstance, now: datetime, ip: str = "") -> str:
    """Confirm the switch to one-time codes, once its 24 hours have passed."""
    _require_pin_unlock(instance, now)
    with transaction.atomic():
        instance = AppInstance.objects.select_for_update().get(pk=instance.pk)
        change = approval_mode_pending(instance)
        if change is None:
            raise AppRefused("nothing_to_confirm")
        if now < change.effective_at:
            raise AppRefused("not_yet")
        change.confirmed_at = now
        change.save(update_fields=["confirmed_at"])
        instance.approval_mode = ApprovalMode.CODE
        instance.save(update_fields=["approval_mode"])
        tell(instance.authenticator.identity.person, "delayed_change_effective", now=now)
        audit_record(
            action="app.approval_mode",
            outcome="code",
            subject=instance.authenticator.identity.user_id,
            ip=ip,
            data={"mode": "code"},
            at=now,
        )
        return "code"


# -- activate on another phone (copy from an existing app, seed 002) ----------------------------


def copy_offer(*, instance: AppInstance, now: datetime, ip: str = "") -> tuple[CopyOffer, str]:
    """The old app shows a QR code, valid 3 minutes, for the new app to scan."""
    _require_pin_unlock(instance, now)
    with transaction.atomic():
        CopyOffer.objects.filter(
            instance=instance,
            state__in=(CopyOffer.State.OFFERED, CopyOffer.State.SCANNED, CopyOffer.State.CONFIRMED),
        ).update(state=CopyOffer.State.CANCELLED)
        token = secrets.token_urlsafe(32)
        offer = CopyOffer.objects.create(
            id=secrets.token_urlsafe(16),
            instance=instance,
            token_hash=_sha256(token),
            created_at=now,
            expires_at=now + timedelta(minutes=COPY_MINUTES),
        )
        audit_record(
            action="app.copy_offer",
            subject=instance.authenticator.identity.user_id,
            ip=ip,
            data={"copy": offer.id},
            at=now,
        )
    return offer, COPY_PREFIX + token


def _live_offer(offer: CopyOffer | None, now: datetime, *states: str) -> CopyOffer:
    if offer is None:
        raise AppRefused("copy_unknown")
    if offer.state == CopyOffer.State.CANCELLED or now >= offer.expires_at:
        raise AppRefused("copy_expired")
    if offer.state not in states:
        raise AppRefused("copy_state")
    return offer


def copy_scan(*, qr: str, proof: protocol.DpopProof, now: datetime, ip: str = "") -> CopyOffer:
    """The new app scanned the old app's QR code with its new key; it gets the short code."""
    token = qr.strip()[len(COPY_PREFIX) :] if qr.strip().startswith(COPY_PREFIX) else ""
    with transaction.atomic():
        found = (
            CopyOffer.objects.select_for_update().filter(token_hash=_sha256(token)).first()
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


def copy_status(*, instance: AppInstance, offer_id: str) -> CopyOffer:
    offer = CopyOffer.objects.filter(pk=str(offer_id)[:32], instance=instance).first()
    if offer is None:
        raise AppRefused("copy_unknown")
    return offer


def copy_confirm(
    *, instance: AppInstance, offer_id: str, code: str, now: datetime, ip: str = ""
) -> CopyOffer:
    """The citizen types the new app's short code into the old app: the two phones are
    together (the proximity check, in place of Bluetooth). 3 wrong codes cancel the copy."""
    _require_pin_unlock(instance, now)
    failure: SeglError
    with transaction.atomic():
        found = (
            CopyOffer.objects.select_for_update()
            .filter(pk=str(offer_id)[:32], instance=instance)
            .first()
        )
        offer = _live_offer(found, now, CopyOffer.State.SCANNED)
        given = "".join(str(code).split())
        if hmac.compare_digest(given.encode(), offer.proximity_code.encode()):
            offer.state = CopyOffer.State.CONFIRMED
            offer.save(update_fields=["state"])
            audit_record(
                action="app.copy_confirm",
                subject=instance.authenticator.identity.user_id,
                ip=ip,
                data={"copy": offer.id},
                at=now,
            )
            return offer
        offer.code_failures += 1
        failure = AppRefused("copy_code_wrong")
        if offer.code_failures >= CODE_MAX_FAILURES:
            offer.state = CopyOffer.State.CANCELLED
            failure = AppRefused("copy_expired")
        offer.save(update_fields=["code_failures", "state"])
        audit_record(
            action="app.copy_confirm",
            outcome="code_wrong",
            subject=instance.authenticator.identity.user_id,
            ip=ip,
            data={"copy": offer.id},
            at=now,
        )
    raise failure


def copy_finish(
    *, user_id: str, proof: protocol.DpopProof, now: datetime, ip: str = ""
) -> AppActivation:
    """The new app gives the user ID; a temporary PIN goes by SMS, as for any activation."""
    with transaction.atomic():
        found = (
            CopyOffer.objects.select_for_update()
            .select_related("instance__authenticator__identity__person")
            .filter(new_thumbprint=proof.thumbprint)
            .order_by("-created_at")
            .first()
        )
        offer = _live_offer(found, now, CopyOffer.State.CONFIRMED)
        if offer.activation_id is not None:
            raise AppRefused("copy_state")  # one temporary PIN per copy
        identity = offer.instance.authenticator.identity
        if identity.user_id.casefold() != user_id.strip().casefold():
            offer.code_failures += 1
            if offer.code_failures >= CODE_MAX_FAILURES:
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
        activation, _pin = _new_activation(identity, AppActivation.Via.COPY, now)
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


def app_purge(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete what only mattered for a while: seen DPoP proof ids once they could no longer be
    replayed, and activations, activation codes and copy offers that ended ``keep`` ago. (App
    requests go with their flows.)"""
    cutoff = now - keep
    proofs, _ = DpopJti.objects.filter(expires_at__lt=now).delete()
    activations, _ = AppActivation.objects.filter(expires_at__lt=cutoff).delete()
    codes, _ = ActivationCode.objects.filter(expires_at__lt=cutoff).delete()
    offers, _ = CopyOffer.objects.filter(expires_at__lt=cutoff).delete()
    return {
        "dpop_proof_ids": proofs,
        "app_activations": activations,
        "activation_codes": codes,
        "copy_offers": offers,
    }


def app_retire(*, instance: AppInstance, now: datetime, ip: str = "") -> None:
    """The citizen removes this user ID from the app: its authenticator is retired."""
    _require_unlocked(instance, now)
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
