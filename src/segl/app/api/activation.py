"""Activating an app: the activation code, then the temporary PIN, the new PIN and the key."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from segl import clock
from segl.http import client_ip

from ..models import AppActivation
from ..services import activation as services
from .base import describe, dpop_proof, sync_view, text_field


@require_POST
@sync_view(needs_instance=False)
def activation_start(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    activation = services.activation_start(
        user_id=text_field(data, "user_id"),
        code=text_field(data, "activation_code"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return started(activation)


def started(activation: AppActivation) -> JsonResponse:
    """An activation begun (the temporary PIN is on its way): what the app needs to finish it."""
    return JsonResponse(
        {"activation": activation.id, "expires_at": activation.expires_at.isoformat()},
        status=201,
    )


@require_POST
@sync_view(needs_instance=False)
def activation_finish(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    instance = services.activation_finish(
        activation_id=text_field(data, "activation"),
        temporary_pin=text_field(data, "temporary_pin"),
        pin=text_field(data, "pin"),
        name=text_field(data, "name", required=False),
        notifications=data.get("notifications") is True,
        proof=dpop_proof(request),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(describe(instance), status=201)
