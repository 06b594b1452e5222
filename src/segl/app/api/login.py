"""The app's part of a login: the waiting request (long-poll), the binding, the answer."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.core.errors import FlowError, SeglError
from segl.http import browser_key, client_ip

from .. import doorbell
from ..models import AppInstance
from ..services.answers import app_request_answer
from ..services.base import AppRefused, policy
from ..services.dpop import instance_for
from ..services.requests import app_request_bind, paused_until, pending_for
from .base import app_rate_limited, dpop_proof, error, refusal, sync_view, text_field

LONG_POLL_SECONDS = 25
POLL_INTERVAL = 0.1


@require_POST
@sync_view(needs_instance=True)
def bind(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, request_id: str
) -> JsonResponse:
    qr, code, device = data.get("qr"), data.get("code"), data.get("device")
    bound = app_request_bind(
        instance=instance,
        request_id=request_id,
        qr=qr if isinstance(qr, str) else None,
        code=code if isinstance(code, str) else None,
        device=device if isinstance(device, str) else None,
        # Same device: the app's page shares the browser's cookies; a link sent elsewhere not.
        browser_key=browser_key(request),
        now=clock.now(),
        ip=client_ip(request),
    )
    answer = {
        "request": bound.request,
        "flow": bound.flow,
        "rp_name": bound.rp_name,
        "action": bound.action,
        "text": bound.text,
        "text_sha256": bound.text_sha256,
        "channel": bound.channel,
        "expires_at": bound.expires_at.isoformat(),
        # How long "I did not start this" keeps logins from asking this user ID's apps.
        "report_pause_minutes": policy().report_pause_minutes,
        # Same device: where to send the citizen back to once they have answered.
        "return_url": (
            settings.CONFIG.base_url + reverse("flows:step", kwargs={"flow_id": bound.flow})
            if bound.same_device
            else None
        ),
    }
    return JsonResponse(answer)


@require_POST
@sync_view(needs_instance=True)
def answer(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, request_id: str
) -> JsonResponse:
    now = clock.now()
    try:
        status = app_request_answer(
            instance=instance,
            request_id=request_id,
            signed=text_field(data, "approval"),
            now=now,
            ip=client_ip(request),
        )
    except FlowError:
        raise AppRefused("request_cancelled") from None
    until = paused_until(instance.authenticator.identity_id, now)
    return JsonResponse({"status": status, "paused_until": until.isoformat() if until else None})


def _pending_payload(instance: AppInstance) -> dict[str, Any] | None:
    found = pending_for(instance, clock.now())
    if found is None:
        return None
    request, step = found
    return {
        "id": request.id,
        "rp_name": step.rp_name,
        "mode": instance.approval_mode,
        "expires_at": request.expires_at.isoformat(),
    }


def _paused(instance: AppInstance) -> str | None:
    """Until when "I did not start this" keeps logins from asking this app, if it does: the app
    says so while it waits, since the login page does not (decision 17)."""
    until = paused_until(instance.authenticator.identity_id, clock.now())
    return until.isoformat() if until else None


def _pending_auth(request: HttpRequest) -> AppInstance:
    return instance_for(dpop_proof(request), ip=client_ip(request))


@csrf_exempt
@require_GET
async def pending(request: HttpRequest) -> HttpResponse:
    """The request waiting for this app, if any; with ``?wait=N`` (at most 25 seconds) the
    answer waits until one comes (long-poll), so the phone learns of a login at once."""
    if await sync_to_async(app_rate_limited)(request):
        return error("app_refused", "rate_limited")
    try:
        instance = await sync_to_async(_pending_auth)(request)
    except SeglError as exc:
        return refusal(exc)
    try:
        wait = max(0.0, min(float(request.GET.get("wait", "0")), LONG_POLL_SECONDS))
    except ValueError:
        return error("app_refused", "wait_not_a_number")
    deadline = asyncio.get_running_loop().time() + wait
    key = f"identity:{instance.authenticator.identity_id}"
    bell = doorbell.count(key)
    while True:
        found = await doorbell.look(_pending_payload, instance)
        if found is not None or asyncio.get_running_loop().time() >= deadline:
            paused = await doorbell.look(_paused, instance)
            return JsonResponse({"request": found, "paused_until": paused})
        bell = await doorbell.wait(key, bell, longest=POLL_INTERVAL)
