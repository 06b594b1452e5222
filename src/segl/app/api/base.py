"""What every call of the app API shares: its refusals as JSON, the body, the DPoP proof,
the rate limits, and how the app is described."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from segl import clock
from segl.core.errors import AppProtocolError, SeglError
from segl.http import client_ip, hit

from ..models import AppInstance, PushSubscription
from ..services.approval_mode import approval_mode_pending
from ..services.base import AppRefused, WrongPin, policy
from ..services.dpop import dpop_accept, instance_for

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
    "notifications_unavailable": 409,
    "too_many_requests": 429,
    "rate_limited": 429,
}
MAX_BODY = 16 * 1024
# Many phones share an address behind a mobile operator's NAT: the per-address budget is ten
# times the login pages', and each app key has twice the login pages' budget of its own.
IP_CALLS_PER_MINUTE_FACTOR = 10
KEY_CALLS_PER_MINUTE_FACTOR = 2


def app_rate_limited(request: HttpRequest) -> bool:
    limit = settings.CONFIG.rate_limit_ip_per_minute * IP_CALLS_PER_MINUTE_FACTOR
    return hit(f"ip:app:{client_ip(request)}", limit)


def error(code: str, reason: str, status: int | None = None, **extra: Any) -> JsonResponse:
    status = status or STATUS.get(reason) or STATUS.get(code) or 400
    response = JsonResponse({"error": code, "reason": reason, **extra}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'DPoP algs="ES256"'
    return response


def refusal(exc: SeglError) -> JsonResponse:
    reason = exc.reason if isinstance(exc, AppProtocolError) else exc.code
    extra = {"remaining": exc.remaining} if isinstance(exc, WrongPin) else {}
    return error(exc.code, reason, **extra)


def json_body(request: HttpRequest, *, max_body: int = MAX_BODY) -> dict[str, Any]:
    """The request's JSON object (``{}`` for no body); refused when too large, not JSON (or
    JSON that no UTF-8 text holds), or not an object."""
    if len(request.body) > max_body:
        raise AppRefused("body_too_large")
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
        # JSON may carry lone surrogates ("\ud800"), which no UTF-8 text can hold.
        json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, UnicodeError, RecursionError):
        raise AppRefused("body_not_json") from None
    if not isinstance(data, dict):
        raise AppRefused("body_not_object")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > 4096 or "\x00" in value:
        raise AppRefused(f"{name}_missing")
    return value


def htu(request: HttpRequest) -> str:
    """The URL the app signed: segl's public address, not the Host header, plus the path."""
    return str(settings.CONFIG.base_url) + request.path


def dpop_proof(request: HttpRequest) -> Any:
    return dpop_accept(
        request.headers.get("DPoP", ""),
        method=request.method or "",
        url=htu(request),
        now=clock.wall(),  # a proof carries the app's own time, never a moved one
    )


def sync_view(needs_instance: bool) -> Callable[..., Any]:
    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if app_rate_limited(request):
                return error("app_refused", "rate_limited")
            try:
                data = json_body(request) if request.method == "POST" else {}
                if needs_instance:
                    proof = dpop_proof(request)
                    key_limit = (
                        settings.CONFIG.rate_limit_ip_per_minute * KEY_CALLS_PER_MINUTE_FACTOR
                    )
                    if hit(f"app-key:{proof.thumbprint}", key_limit):
                        return error("app_refused", "rate_limited")
                    kwargs["instance"] = instance_for(proof, ip=client_ip(request))
                return view(request, data, *args, **kwargs)
            except SeglError as exc:
                return refusal(exc)

        return wrapper

    return decorate


def describe(instance: AppInstance) -> dict[str, Any]:
    pending = approval_mode_pending(instance)
    return {
        "user_id": instance.authenticator.identity.user_id,
        "name": instance.authenticator.name,
        "approval_mode": instance.approval_mode,
        # How long a switch to one-time codes waits, for the app to say it in hours.
        "weakening_delay_hours": policy().weakening_delay_hours,
        "biometrics": bool(instance.biometric_credential),
        "notifications": PushSubscription.objects.filter(instance=instance).exists(),
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
