"""The app's notifications: the key to subscribe with, the browser's subscription, and off."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods

from segl import clock

from .. import webpush
from ..models import AppInstance, PushSubscription
from .base import sync_view


@require_http_methods(["GET", "POST", "DELETE"])
@sync_view(needs_instance=True)
def notifications(
    request: HttpRequest, data: dict[str, Any], instance: AppInstance
) -> JsonResponse:
    """GET: the application server key (VAPID) and whether this app is subscribed; POST
    ``{"subscription": PushSubscription.toJSON()}``: notify this app from now on; DELETE: no
    more notifications."""
    if request.method == "POST":
        webpush.subscribe(instance, data.get("subscription"), now=clock.now())
    elif request.method == "DELETE":
        webpush.unsubscribe(instance)
    return JsonResponse(
        {
            "application_server_key": webpush.application_server_key(),
            "subscribed": PushSubscription.objects.filter(instance=instance).exists(),
        }
    )
