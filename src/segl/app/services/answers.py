"""The app's signed answer to a bound request: approve, reject, or "I did not start this"."""

from __future__ import annotations

import hmac
from datetime import datetime

from django.db import transaction

from segl.audit.services import audit_record
from segl.authenticators.registry import flows
from segl.core.approval import verify_approval
from segl.core.errors import AppProtocolError, FlowError, ProofInvalid
from segl.notify.notices import tell

from .. import doorbell
from ..models import AppInstance, AppRequest
from .base import AppRefused, policy
from .requests import APP_STEP, REPORTED, locked_request, request_rp_name
from .unlock import require_unlocked

# Refusals that mean the login stopped before the app could answer: only then is a report late.
STOPPED = ("request_cancelled", "request_expired")


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
        if isinstance(exc, FlowError) or getattr(exc, "reason", "") in STOPPED:
            _late_fraud_report(instance, request_id, signed, now, ip)
        raise


def _late_fraud_report(
    instance: AppInstance, request_id: str, signed: str, now: datetime, ip: str
) -> None:
    """ "I did not start this" counts even when the request can no longer be answered (the
    fraudster cancelled, or it expired): if this app bound it and signed the report, record it,
    and pause the identity's apps as an answered report does. Once: a request answered or
    reported already is left as it is, so a report sent again neither lengthens the pause nor
    sends another notice."""
    request = AppRequest.objects.filter(pk=str(request_id)[:32], instance=instance).first()
    if request is None or not request.channel:
        return
    try:
        approval = verify_approval(signed, instance.public_key)
    except ProofInvalid:
        return
    if approval.decision != "fraud" or not (
        hmac.compare_digest(approval.request, request.id)
        and hmac.compare_digest(approval.channel, request.channel)
    ):
        return
    reported = (
        AppRequest.objects.filter(pk=request.pk)
        .exclude(status__in=(AppRequest.Status.APPROVED, AppRequest.Status.REJECTED))
        .exclude(reason=REPORTED)
        .update(reason=REPORTED, answered_at=now)
    )
    if not reported:
        return
    audit_record(
        action="fraud.report",
        subject=instance.authenticator.identity.user_id,
        ip=ip,
        data={
            "flow": request.flow_id,
            "rp": request_rp_name(request),
            "text_sha256": request.text_sha256,
            "late": True,
        },
        at=now,
    )
    tell(
        instance.authenticator.identity.person,
        "fraud_reported_in_app",
        now=now,
        minutes=policy().report_pause_minutes,
    )


def _answer(instance: AppInstance, request_id: str, signed: str, now: datetime, ip: str) -> str:
    user_id = instance.authenticator.identity.user_id
    with transaction.atomic():
        request, instance, step = locked_request(instance, request_id, now, lock_identity=True)
        if request.status != AppRequest.Status.BOUND or request.instance_id != instance.pk:
            raise AppRefused("binding_needed")
        require_unlocked(instance, now)
        approval = verify_approval(signed, instance.public_key)
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
        if approved:
            flows().step_passed(
                flow_id=request.flow_id,
                step=APP_STEP,
                authenticator_id=instance.authenticator_id,
                response=request.id,
                amr=amr,
                now=now,
                ip=ip,
            )
        else:
            flows().step_failed(
                flow_id=request.flow_id,
                step=APP_STEP,
                reason=f"app_{approval.decision}",
                now=now,
                ip=ip,
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
                    "rp": step.rp_name,
                    "text_sha256": request.text_sha256,
                },
                at=now,
            )
            tell(
                instance.authenticator.identity.person,
                "fraud_reported_in_app",
                now=now,
                minutes=policy().report_pause_minutes,
            )
        return str(request.status)
