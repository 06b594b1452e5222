"""The app API: JSON over HTTPS, every call after activation signed with a DPoP proof by the
app's key (described in ``openapi.yaml`` beside this file). Views translate HTTP to one service
call and back; every refusal is a JSON error with a stable ``error`` and ``reason``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.core.errors import AppProtocolError, FlowError, SeglError
from segl.http import browser_key, client_ip, hit

from . import biometrics, doorbell, services
from .browser import qr_svg
from .models import AppInstance

# HTTP status for each refusal; anything else is a 400.
STATUS = {
    "proof_invalid": 401,
    "unknown_key": 401,
    "app_locked": 403,
    "app_inactive": 403,
    "unlock_needed": 403,
    "pin_wrong": 403,
    "pin_needed": 403,
    "other_browser": 403,
    "biometrics_failed": 403,
    "biometrics_cloned": 403,
    "biometrics_not_set_up": 409,
    "biometrics_expired": 410,
    "request_unknown": 404,
    "request_answered": 409,
    "request_cancelled": 409,
    "request_bound": 409,
    "binding_needed": 409,
    "key_in_use": 409,
    "too_many_apps": 409,
    "copy_state": 409,
    "copy_unknown": 404,
    "copy_expired": 410,
    "request_expired": 410,
    "activation_expired": 410,
    "too_many_requests": 429,
    "rate_limited": 429,
}
MAX_BODY = 16 * 1024
# Many phones share an address behind a mobile operator's NAT: the per-address budget is ten
# times the login pages', and each app key has twice the login pages' budget of its own.
IP_CALLS_PER_MINUTE_FACTOR = 10
KEY_CALLS_PER_MINUTE_FACTOR = 2
LONG_POLL_SECONDS = 25
POLL_INTERVAL = 0.1


def app_rate_limited(request: HttpRequest) -> bool:
    limit = settings.CONFIG.rate_limit_ip_per_minute * IP_CALLS_PER_MINUTE_FACTOR
    return hit(f"ip:app:{client_ip(request)}", limit)


def error(code: str, reason: str, status: int | None = None, **extra: Any) -> JsonResponse:
    status = status or STATUS.get(reason) or STATUS.get(code) or 400
    response = JsonResponse({"error": code, "reason": reason, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'DPoP algs="ES256"'
    return response


def _refusal(exc: SeglError) -> JsonResponse:
    reason = exc.reason if isinstance(exc, AppProtocolError) else exc.code
    extra = {"remaining": exc.remaining} if isinstance(exc, services.WrongPin) else {}
    return error(exc.code, reason, **extra)


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise services.AppRefused("body_too_large")
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
        # JSON may carry lone surrogates ("\ud800"), which no UTF-8 text can hold.
        json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, UnicodeError, RecursionError):
        raise services.AppRefused("body_not_json") from None
    if not isinstance(data, dict):
        raise services.AppRefused("body_not_object")
    return data


def _text(data: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > 4096 or "\x00" in value:
        raise services.AppRefused(f"{name}_missing")
    return value


def _htu(request: HttpRequest) -> str:
    """The URL the app signed: segl's public address, not the Host header, plus the path."""
    return str(settings.CONFIG.base_url) + request.path


def _proof(request: HttpRequest) -> Any:
    return services.dpop_accept(
        request.headers.get("DPoP", ""),
        method=request.method or "",
        url=_htu(request),
        now=clock.wall(),  # a proof carries the app's own time, never a moved one
    )


def _sync_view(needs_instance: bool) -> Callable[..., Any]:
    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if app_rate_limited(request):
                return error("app_refused", "rate_limited")
            try:
                data = _body(request) if request.method == "POST" else {}
                if needs_instance:
                    proof = _proof(request)
                    key_limit = (
                        settings.CONFIG.rate_limit_ip_per_minute * KEY_CALLS_PER_MINUTE_FACTOR
                    )
                    if hit(f"app-key:{proof.thumbprint}", key_limit):
                        return error("app_refused", "rate_limited")
                    kwargs["instance"] = services.instance_for(proof, ip=client_ip(request))
                return view(request, data, *args, **kwargs)
            except SeglError as exc:
                return _refusal(exc)

        return wrapper

    return decorate


@require_POST
@_sync_view(needs_instance=False)
def activation_start(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    activation = services.activation_start(
        user_id=_text(data, "user_id"),
        code=_text(data, "activation_code"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(
        {"activation": activation.id, "expires_at": activation.expires_at.isoformat()},
        status=201,
    )


@require_POST
@_sync_view(needs_instance=False)
def activation_finish(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    instance = services.activation_finish(
        activation_id=_text(data, "activation"),
        temporary_pin=_text(data, "temporary_pin"),
        pin=_text(data, "pin"),
        name=_text(data, "name", required=False),
        notifications=data.get("notifications") is True,
        proof=_proof(request),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(_describe(instance), status=201)


def _describe(instance: AppInstance) -> dict[str, Any]:
    pending = services.approval_mode_pending(instance)
    return {
        "user_id": instance.authenticator.identity.user_id,
        "name": instance.authenticator.name,
        "approval_mode": instance.approval_mode,
        "biometrics": bool(instance.biometric_credential),
        "pending_change": (
            {
                "to": "code",
                "effective_at": pending.effective_at.isoformat(),
                "due": clock.now() >= pending.effective_at,
            }
            if pending
            else None
        ),
    }


@require_GET
@_sync_view(needs_instance=True)
def me(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    return JsonResponse(_describe(instance))


@require_POST
@_sync_view(needs_instance=True)
def unlock(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    until = services.app_unlock(
        instance_id=instance.pk, pin=_text(data, "pin"), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({"unlocked_until": until.isoformat()})


@require_POST
@_sync_view(needs_instance=True)
def bind(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, request_id: str
) -> JsonResponse:
    qr, code, device = data.get("qr"), data.get("code"), data.get("device")
    bound = services.app_request_bind(
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
        # Same device: where to send the citizen back to once they have answered.
        "return_url": (
            settings.CONFIG.base_url + reverse("flows:step", kwargs={"flow_id": bound.flow})
            if bound.same_device
            else None
        ),
    }
    return JsonResponse(answer)


@require_POST
@_sync_view(needs_instance=True)
def answer(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, request_id: str
) -> JsonResponse:
    try:
        status = services.app_request_answer(
            instance=instance,
            request_id=request_id,
            signed=_text(data, "approval"),
            now=clock.now(),
            ip=client_ip(request),
        )
    except FlowError:
        raise services.AppRefused("request_cancelled") from None
    return JsonResponse({"status": status})


@require_POST
@_sync_view(needs_instance=True)
def approval_mode(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    services.approval_mode_request(
        instance=instance, mode=_text(data, "mode"), now=clock.now(), ip=client_ip(request)
    )
    instance.refresh_from_db()
    return JsonResponse(_describe(instance))


@require_POST
@_sync_view(needs_instance=True)
def approval_mode_confirm(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    services.approval_mode_confirm(instance=instance, now=clock.now(), ip=client_ip(request))
    instance.refresh_from_db()
    return JsonResponse(_describe(instance))


def _pending_payload(instance: AppInstance) -> dict[str, Any] | None:
    found = services.pending_for(instance, clock.now())
    if found is None:
        return None
    return {
        "id": found.id,
        "rp_name": services.request_rp_name(found),
        "mode": instance.approval_mode,
        "expires_at": found.expires_at.isoformat(),
    }


def _pending_auth(request: HttpRequest) -> AppInstance:
    return services.instance_for(_proof(request), ip=client_ip(request))


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
        return _refusal(exc)
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
            return JsonResponse({"request": found})
        bell = await doorbell.wait(key, bell, longest=POLL_INTERVAL)


# -- activate on another phone ----------------------------------------------------------------


def _offer(offer: Any, qr: str | None = None) -> dict[str, Any]:
    return {
        "copy": offer.id,
        "state": offer.state,
        "expires_at": offer.expires_at.isoformat(),
        **({"qr": qr} if qr else {}),
    }


@require_POST
@_sync_view(needs_instance=True)
def copy_offer(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    offer, qr = services.copy_offer(instance=instance, now=clock.now(), ip=client_ip(request))
    return JsonResponse(_offer(offer, qr), status=201)


@require_GET
@_sync_view(needs_instance=True)
def copy_status(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, copy_id: str
) -> JsonResponse:
    return JsonResponse(_offer(services.copy_status(instance=instance, offer_id=copy_id)))


@require_POST
@_sync_view(needs_instance=True)
def copy_confirm(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, copy_id: str
) -> JsonResponse:
    offer = services.copy_confirm(
        instance=instance,
        offer_id=copy_id,
        code=_text(data, "code"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(_offer(offer))


@require_POST
@_sync_view(needs_instance=False)
def copy_scan(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """The new app (with its new key) scanned the old app's QR code."""
    offer = services.copy_scan(
        qr=_text(data, "qr"), proof=_proof(request), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({**_offer(offer), "code": offer.proximity_code})


@require_POST
@_sync_view(needs_instance=False)
def copy_finish(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """The new app gives the user ID; segl sends the temporary PIN by SMS."""
    activation = services.copy_finish(
        user_id=_text(data, "user_id"),
        proof=_proof(request),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(
        {"activation": activation.id, "expires_at": activation.expires_at.isoformat()},
        status=201,
    )


@require_POST
@_sync_view(needs_instance=True)
def qr(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    """A QR code as SVG, for the app to show its copy offer (the web app has no QR encoder)."""
    text = _text(data, "text")
    if not text.startswith(services.COPY_PREFIX) or len(text) > 200:
        raise services.AppRefused("qr_text")
    return JsonResponse({"svg": qr_svg(text)})


# -- biometrics (WebAuthn platform credential) ------------------------------------------------


def _credential(data: dict[str, Any]) -> dict[str, Any]:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise services.AppRefused("credential_missing")
    return credential


@require_POST
@_sync_view(needs_instance=True)
def biometrics_register(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    return JsonResponse({"options": biometrics.register_begin(instance=instance, now=clock.now())})


@require_POST
@_sync_view(needs_instance=True)
def biometrics_register_finish(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    biometrics.register_finish(
        instance=instance, credential=_credential(data), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({"biometrics": True})


@require_POST
@_sync_view(needs_instance=True)
def unlock_biometrics(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    return JsonResponse({"options": biometrics.unlock_begin(instance=instance, now=clock.now())})


@require_POST
@_sync_view(needs_instance=True)
def unlock_biometrics_finish(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    until = biometrics.unlock_finish(
        instance=instance, credential=_credential(data), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({"unlocked_until": until.isoformat()})


@require_POST
@_sync_view(needs_instance=True)
def retire(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    """Remove this user ID from the app: segl retires it, so it no longer counts or works."""
    services.app_retire(instance=instance, now=clock.now(), ip=client_ip(request))
    return JsonResponse({"retired": True})
