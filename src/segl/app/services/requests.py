"""The app's part of a login: a request per flow, and the binding that proves the app is near."""

from __future__ import annotations

import base64
import contextlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet

from segl.audit.services import audit_record
from segl.authenticators.contract import StepContext, StepNotFound
from segl.authenticators.models import Authenticator, Kind
from segl.authenticators.registry import flows
from segl.core.approval import text_sha256
from segl.core.binding import check_binding_code, check_qr, new_binding_code, parse_qr, qr_payload
from segl.core.errors import BindingInvalid, SeglError
from segl.identities.models import Identity

from .. import doorbell
from ..models import AppInstance, AppRequest, ApprovalMode
from ..webpush import notify_app
from .base import AppRefused, policy
from .unlock import require_unlocked

APP_STEP = Kind.APP.value  # the app's one step in a login
REPORTED = "fraud"  # a request's reason once its citizen said "I did not start this"


def _open_requests(identity_id: UUID) -> QuerySet[AppRequest]:
    return AppRequest.objects.filter(identity_id=identity_id, status__in=AppRequest.OPEN)


def too_many_requests(identity_id: UUID, now: datetime) -> bool:
    """Whether the identity's apps take no request now: too many went unanswered lately (5 in
    10 minutes by default), or the citizen said "I did not start this" (:func:`paused_until`)."""
    unanswered = (
        AppRequest.objects.filter(
            identity_id=identity_id, created_at__gt=now - policy().request_window
        )
        .exclude(status__in=(AppRequest.Status.APPROVED, AppRequest.Status.REJECTED))
        .count()
    )
    return unanswered >= policy().requests_per_window or paused_until(identity_id, now) is not None


def paused_until(identity_id: UUID, now: datetime) -> datetime | None:
    """Until when no login may ask the identity's apps, after its citizen reported a request
    as not theirs (60 minutes by default): whoever started it cannot simply ask again, or ask
    the citizen over the phone to approve the next one."""
    reported = (
        AppRequest.objects.filter(
            identity_id=identity_id, reason=REPORTED, answered_at__gt=now - policy().report_pause
        )
        .order_by("-answered_at")
        .values_list("answered_at", flat=True)
        .first()
    )
    return reported + policy().report_pause if reported is not None else None


def app_request_open(*, step: StepContext, now: datetime, ip: str = "") -> AppRequest | None:
    """Ask the identity's apps to approve the login (the caller holds the flow's row lock).

    One open request per identity: a new one cancels the old. At most 5 unanswered requests per
    identity in 10 minutes (by default), so nobody can flood a citizen's phone with requests to
    approve; none for an hour (by default) after the citizen said "I did not start this".
    """
    identity_id = step.identity_id
    if identity_id is None:
        raise ValueError("an app request needs an identity")
    Identity.objects.select_for_update().filter(pk=identity_id).first()
    if too_many_requests(identity_id, now):
        # Audited and not raised, so that the caller's transaction keeps the record; the step's
        # page sees no open request and says "too many requests" (or that the apps are paused).
        audit_record(
            action="app.request",
            outcome="paused" if paused_until(identity_id, now) else "too_many",
            subject=step.user_id,
            ip=ip,
            data={"flow": step.flow_id},
            at=now,
        )
        return None
    _open_requests(identity_id).update(status=AppRequest.Status.CANCELLED, reason="superseded")
    expires = min(now + timedelta(seconds=policy().request_seconds), step.expires_at)
    request = AppRequest.objects.create(
        id=secrets.token_urlsafe(24),
        flow_id=step.flow_id,
        identity_id=identity_id,
        qr_secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        code=new_binding_code(policy().code_length),
        device_token=secrets.token_urlsafe(32),
        text_sha256=text_sha256(step.approval_text),
        created_at=now,
        expires_at=expires,
    )
    audit_record(
        action="app.request",
        subject=step.user_id,
        ip=ip,
        data={"flow": step.flow_id, "request": request.id},
        at=now,
    )
    doorbell.ring(f"identity:{identity_id}", f"flow:{step.flow_id}")
    for instance in AppInstance.objects.filter(
        authenticator__identity_id=identity_id,
        authenticator__status=Authenticator.Status.ACTIVE,
        notifications=True,
    ):
        notify_app(instance, "login_request")
    return request


def app_request_current(flow_id: str) -> AppRequest | None:
    return AppRequest.objects.filter(flow_id=flow_id).order_by("-created_at").first()


def request_rp_name(request: AppRequest) -> str:
    """The name of the RP that asked, for the app's list (a purged login has none)."""
    try:
        return flows().step_context(flow_id=request.flow_id, kind=APP_STEP).rp_name
    except StepNotFound:
        return ""


def request_state(request: AppRequest | None, now: datetime) -> str:
    """What the browser shows: pending, bound, approved, rejected, cancelled or expired."""
    if request is None:
        return "none"
    if request.status in AppRequest.OPEN and now >= request.expires_at:
        return "expired"
    return str(request.status)


def qr_text(request: AppRequest, now: datetime) -> str:
    secret = base64.urlsafe_b64decode(request.qr_secret)
    return qr_payload(request.flow_id, int(now.timestamp()), secret)


def pending_for(instance: AppInstance, now: datetime) -> tuple[AppRequest, StepContext] | None:
    """The open, unexpired request waiting for this app's identity, if any, and its login."""
    # Requests expire with their login at the latest; one whose login moved on (cancelled in
    # the browser, another method chosen) waits for nothing.
    waiting = _open_requests(instance.authenticator.identity_id).filter(expires_at__gt=now)
    for found in waiting.order_by("-created_at"):
        with contextlib.suppress(StepNotFound):
            step = flows().step_context(flow_id=found.flow_id, kind=APP_STEP)
            if step.at_kind_step:
                return found, step
    return None


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


def locked_request(
    instance: AppInstance, request_id: str, now: datetime, *, lock_identity: bool = False
) -> tuple[AppRequest, AppInstance, StepContext]:
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
    try:
        step = flows().step_context(flow_id=flow_id, kind=APP_STEP, lock=True)
    except StepNotFound:
        raise AppRefused("request_cancelled") from None  # the login is gone
    if lock_identity:
        Identity.objects.select_for_update().filter(pk=identity_id).first()
    request = AppRequest.objects.select_for_update(of=("self",)).get(pk=str(request_id)[:32])
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
    if now >= request.expires_at or now >= step.expires_at:
        raise AppRefused("request_expired")
    if not step.at_kind_step:  # cancelled in the browser, or another method chosen
        raise AppRefused("request_cancelled")
    return request, instance, step


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
        request, instance, step = locked_request(instance, request_id, now)
        require_unlocked(instance, now)
        if request.status == AppRequest.Status.BOUND:
            raise AppRefused("request_bound")
        data: dict[str, Any] = {"flow": request.flow_id, "request": request.id}
        try:
            if device is not None:
                if not hmac.compare_digest(device.encode(), request.device_token.encode()):
                    raise BindingInvalid("device_token_wrong")
                if not step.started_in(binding.browser_key):
                    raise BindingInvalid("other_browser")
            elif instance.approval_mode == ApprovalMode.QR:
                if qr is None:
                    raise BindingInvalid("qr_needed")
                check_qr(
                    parse_qr(qr),
                    flow_id=request.flow_id,
                    secret=base64.urlsafe_b64decode(request.qr_secret),
                    now=now,
                    max_age=timedelta(seconds=policy().qr_max_age_seconds),
                )
            else:
                if code is None:
                    raise BindingInvalid("code_needed")
                check_binding_code(code, request.code)
        except BindingInvalid as exc:
            failure = exc
            if exc.reason == "code_wrong":
                request.code_failures += 1
                if request.code_failures >= policy().code_max_failures:
                    request.status, request.reason = AppRequest.Status.CANCELLED, "code_wrong"
                    flows().step_failed(
                        flow_id=request.flow_id, step=APP_STEP, reason="app_code_wrong", now=now
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
            return Bound(
                request=request.id,
                flow=request.flow_id,
                rp_name=step.rp_name,
                action=step.action,
                text=step.approval_text,
                text_sha256=request.text_sha256,
                channel=request.channel,
                expires_at=request.expires_at,
                same_device=device is not None,
            )
    raise failure
