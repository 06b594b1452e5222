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
from segl.authenticators.models import Kind
from segl.core import app as protocol
from segl.flows.decoys import kind_key
from segl.flows.methods import owned_authenticator
from segl.flows.models import Flow, UnknownUserThrottle
from segl.identities import throttles

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


def decoy_request_open(*, flow: Flow, now: datetime, ip: str = "") -> AppRequest | None:
    """What :func:`services.app_request_open` does, for nobody's apps (the caller holds the
    flow's row lock)."""
    key = kind_key(flow, Kind.APP.value)
    # One at a time per user ID, as the identity's row lock makes it for a real request.
    throttles.lock(UnknownUserThrottle, [key], now)
    data = {"flow": flow.id, "decoy": True, "unknown_user": flow.identity is None}
    subject = flow.identity.user_id if flow.identity is not None else ""
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
        flow=flow,
        identity=None,
        decoy_key=key,
        qr_secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        code=protocol.new_binding_code(policy.code_length),
        device_token=secrets.token_urlsafe(32),
        text_sha256=protocol.text_sha256(flow.approval_text),
        created_at=now,
        expires_at=min(now + timedelta(seconds=policy.request_seconds), flow.expires_at),
    )
    audit_record(
        action="app.request",
        outcome="decoy",
        subject=subject,
        ip=ip,
        data={**data, "request": request.id},
        at=now,
    )
    doorbell.ring(f"flow:{flow.id}")
    return request


def too_many_requests(flow: Flow, now: datetime) -> bool:
    """Whether the flow's user ID had 5 unanswered app requests in the last 10 minutes: its
    identity's real ones if it has an app, else its decoy's."""
    if owned_authenticator(flow, Kind.APP.value) is not None:
        return services.too_many_requests(flow.identity, now)
    return _unanswered(kind_key(flow, Kind.APP.value), now) >= services.policy().requests_per_window
