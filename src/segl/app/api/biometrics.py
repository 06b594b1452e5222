"""Biometrics: registering the phone's platform credential (WebAuthn) and unlocking with it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from segl import clock
from segl.http import client_ip

from .. import biometrics
from ..models import AppInstance
from ..services.base import AppRefused
from .base import sync_view


def _credential(data: dict[str, Any]) -> dict[str, Any]:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise AppRefused("credential_missing")
    return credential


@require_POST
@sync_view(needs_instance=True)
def biometrics_register(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    return JsonResponse({"options": biometrics.register_begin(instance=instance, now=clock.now())})


@require_POST
@sync_view(needs_instance=True)
def biometrics_register_finish(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    biometrics.register_finish(
        instance=instance, credential=_credential(data), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({"biometrics": True})


@require_POST
@sync_view(needs_instance=True)
def unlock_biometrics(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    return JsonResponse({"options": biometrics.unlock_begin(instance=instance, now=clock.now())})


@require_POST
@sync_view(needs_instance=True)
def unlock_biometrics_finish(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    until = biometrics.unlock_finish(
        instance=instance, credential=_credential(data), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({"unlocked_until": until.isoformat()})
