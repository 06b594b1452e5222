"""Activate on another phone: the old app's offer, the new app's scan, the proximity code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.http import client_ip

from ..browser import qr_svg
from ..models import AppInstance
from ..services import copy as services
from ..services.base import COPY_PREFIX, AppRefused
from .activation import started
from .base import dpop_proof, sync_view, text_field


def _offer(offer: Any, qr: str | None = None) -> dict[str, Any]:
    return {
        "copy": offer.id,
        "state": offer.state,
        "expires_at": offer.expires_at.isoformat(),
        **({"qr": qr} if qr else {}),
    }


@require_POST
@sync_view(needs_instance=True)
def copy_offer(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    offer, qr = services.copy_offer(instance=instance, now=clock.now(), ip=client_ip(request))
    return JsonResponse(_offer(offer, qr), status=201)


@require_GET
@sync_view(needs_instance=True)
def copy_status(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, copy_id: str
) -> JsonResponse:
    return JsonResponse(_offer(services.copy_status(instance=instance, offer_id=copy_id)))


@require_POST
@sync_view(needs_instance=True)
def copy_confirm(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance, copy_id: str
) -> JsonResponse:
    offer = services.copy_confirm(
        instance=instance,
        offer_id=copy_id,
        code=text_field(data, "code"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(_offer(offer))


@require_POST
@sync_view(needs_instance=False)
def copy_scan(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """The new app (with its new key) scanned the old app's QR code."""
    offer = services.copy_scan(
        qr=text_field(data, "qr"), proof=dpop_proof(request), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse({**_offer(offer), "code": offer.proximity_code})


@require_POST
@sync_view(needs_instance=False)
def copy_finish(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """The new app gives the user ID; segl sends the temporary PIN by SMS."""
    activation = services.copy_finish(
        user_id=text_field(data, "user_id"),
        proof=dpop_proof(request),
        now=clock.now(),
        ip=client_ip(request),
    )
    return started(activation)


@require_POST
@sync_view(needs_instance=True)
def qr(request: HttpRequest, data: dict[str, Any], instance: AppInstance) -> JsonResponse:
    """A QR code as SVG, for the app to show its copy offer (the web app has no QR encoder)."""
    text = text_field(data, "text")
    if not text.startswith(COPY_PREFIX) or len(text) > 200:
        raise AppRefused("qr_text")
    return JsonResponse({"svg": qr_svg(text)})
