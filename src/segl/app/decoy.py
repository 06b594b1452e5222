"""The app step of a decoy (decision 17): for a user ID without an active app, known or not,
the login page shows an app step that looks and behaves like a real one — a request whose QR
code changes every second, with a one-time code and a same-device link, that expires when a
real one would, is cancelled by a newer login with the same user ID and counts against the
same 5 unanswered requests per 10 minutes — but it belongs to no identity, so no app ever sees
or answers it. Its counts are kept under a keyed hash of the user ID, as a real identity's are
kept under the identity.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from segl.audit.services import audit_record
from segl.authenticators.contract import StepContext
from segl.authenticators.registry import flows
from segl.core.approval import text_sha256
from segl.core.binding import new_binding_code

from . import doorbell, services
from .models import AppRequest


def _unanswered(key: str, now: datetime) -> int:
    return (
        AppRequest.objects.filter(
            identity=None, decoy_key=key, created_at__gt=now - services.policy().request_window
        )
        .exclude(status__in=(AppRequest.Status.APPROVED, AppRequest.Status.REJECTED))
        .count()
    )


def decoy_request_open(*, step: StepContext, now: datetime, ip: str = "") -> AppRequest | None:
    """What :func:`services.app_request_open` does, for nobody's apps (the caller holds the
    flow's row lock)."""
    key = step.decoy_key
    # One at a time per user ID, as the identity's row lock makes it for a real request.
    flows().decoy_lock(key=key, now=now)
    data = {"flow": step.flow_id, "decoy": True, "unknown_user": step.identity_id is None}
    subject = step.user_id
    if _unanswered(key, now) >= services.policy().requests_per_window:
        audit_record(
            action="app.request", outcome="too_many", subject=subject, ip=ip, data=data, at=now
        )
        return None
    AppRequest.objects.filter(identity=None, decoy_key=key, status__in=AppRequest.OPEN).update(
        status=AppRequest.Status.CANCELLED, reason="superseded"
    )
    policy = services.policy()
    request = AppRequest.objects.create(
        id=secrets.token_urlsafe(24),
        flow_id=step.flow_id,
        identity=None,
        decoy_key=key,
        qr_secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        code=new_binding_code(policy.code_length),
        device_token=secrets.token_urlsafe(32),
        text_sha256=text_sha256(step.approval_text),
        created_at=now,
        expires_at=min(now + timedelta(seconds=policy.request_seconds), step.expires_at),
    )
    audit_record(
        action="app.request",
        outcome="decoy",
        subject=subject,
        ip=ip,
        data={**data, "request": request.id},
        at=now,
    )
    doorbell.ring(f"flow:{step.flow_id}")
    return request


def paused(step: StepContext, now: datetime) -> bool:
    """Whether the flow's identity has an app whose citizen said "I did not start this" within
    the pause. Until it ends, the identity's app step is a decoy's: no request reaches its
    apps, and the login page shows what it shows for a user ID without an app, so that
    someone who knows only the user ID learns neither that it has an app nor that its citizen
    reported a login (decision 17). The citizen's own app says until when."""
    return (
        step.identity_id is not None
        and step.authenticator_id is not None
        and services.paused_until(step.identity_id, now) is not None
    )


def too_many_requests(step: StepContext, now: datetime) -> bool:
    """Whether the flow's user ID had 5 unanswered app requests in the last 10 minutes: its
    identity's real ones if it has an app (and is not paused), else its decoy's."""
    has_app = step.identity_id is not None and step.authenticator_id is not None
    if has_app and step.identity_id is not None and not paused(step, now):
        return services.too_many_requests(step.identity_id, now)
    return _unanswered(step.decoy_key, now) >= services.policy().requests_per_window
