"""What the notices take in over the web: an e-mail reader switching off a kind of mail, and
an SMS provider's delivery receipts."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from segl import clock

from .gateways import gateway
from .models import OutboxMessage
from .optout import address_of, opt_out
from .sms import record_receipts

MAX_RECEIPT = 64 * 1024


@csrf_exempt  # the one-click POST (RFC 8058) comes from a mail provider, with no form token
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what switching off means, and a button; POST (the button, or a mail provider's
    one-click): switched off."""
    address = address_of(token)
    if address is None:
        return render(request, "notify/unsubscribe.html", {"bad_link": True}, status=404)
    if request.method == "POST":
        opt_out(address, now=clock.now())
        return render(request, "notify/unsubscribe.html", {"done": True})
    return render(request, "notify/unsubscribe.html", {})


@csrf_exempt  # a provider's server calls it, authenticated by the receipt token
@require_POST
def sms_receipt(request: HttpRequest) -> HttpResponse:
    """A delivery receipt from the SMS provider: recorded on the message it is about."""
    token = settings.CONFIG.notices.sms_receipt_token
    if not token or not constant_time_compare(_credential(request), token):
        response = JsonResponse({"error": "unauthorized"}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="segl sms receipts"'
        return response
    sms = gateway(OutboxMessage.Channel.SMS)  # HttpSms, or another provider's adapter
    try:
        receipts = sms.receipts(_body(request))  # type: ignore[attr-defined]
    except (ValueError, AttributeError):  # not a receipt, or a gateway that takes none
        return JsonResponse({"error": "not_a_receipt"}, status=400)
    return JsonResponse({"recorded": record_receipts(receipts, now=clock.now())})


def _credential(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_RECEIPT:
        raise ValueError("too large")
    if request.content_type == "application/json":
        data = json.loads(request.body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    return QueryDict(request.body.decode("utf-8")).dict()
