"""The app's own state: who it is, unlocking it, its PIN, its approval mode, and retiring it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.http import client_ip

from ..models import AppInstance
from ..services import approval_mode as modes
from ..services.lifecycle import app_retire
from ..services.unlock import app_pin_change, app_unlock
from .base import describe, sync_view, text_field


@require_GET
@sync_view(needs_instance=True)
def me(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    return JsonResponse(describe(instance))


@require_POST
@sync_view(needs_instance=True)
def unlock(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    until = app_unlock(
        instance_id=instance.pk, pin=text_field(data, "pin"), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({"unlocked_until": until.isoformat()})


@require_POST
@sync_view(needs_instance=True)
def pin_change(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    """A new PIN code for the app, given its current one."""
    app_pin_change(
        instance_id=instance.pk,
        old_pin=text_field(data, "old_pin"),
        new_pin=text_field(data, "pin"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse({"changed": True})


@require_POST
@sync_view(needs_instance=True)
def approval_mode(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    modes.approval_mode_request(
        instance=instance, mode=text_field(data, "mode"), now=clock.now(), ip=client_ip(request)
    )
    instance.refresh_from_db()
    return JsonResponse(describe(instance))


@require_POST
@sync_view(needs_instance=True)
def approval_mode_confirm(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    modes.approval_mode_confirm(instance=instance, now=clock.now(), ip=client_ip(request))
    instance.refresh_from_db()
    return JsonResponse(describe(instance))


@require_POST
@sync_view(needs_instance=True)
def retire(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    """Remove this user ID from the app: segl retires it, so it no longer counts or works."""
    app_retire(instance=instance, now=clock.now(), ip=client_ip(request))
    return JsonResponse({"retired": True})
