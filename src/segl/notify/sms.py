"""SMS through an HTTP provider: the adapter every provider with a JSON or form API fits, and
the interface for those that need more.

``HttpSms`` posts one request per message to ``SEGL_SMS_URL`` with one header of credentials
(``SEGL_SMS_AUTH_HEADER``: ``SEGL_SMS_AUTH``, e.g. ``Authorization: Bearer …``). The body is
``SEGL_SMS_BODY``, a JSON object whose strings may hold ``{to}``, ``{text}``, ``{reference}`` and
``{sender}``; they are filled in after the JSON is read, so a text with quotes or newlines stays
one string. ``SEGL_SMS_ENCODING=form`` sends the same (flat) object as a form instead.

The provider's answer decides what happens next: 2xx is sent (its JSON ``id``, ``message_id``
or ``reference``, else segl's own reference, is kept for receipts); any other 4xx than 401,
403, 408, 425 and 429 is a refusal for good (a number that does not exist), and the message is
dead at once; everything else (5xx, 429, credentials refused until an operator fixes them, a
redirect, a connection that fails) is tried again later with backoff. An error names the
status, never the request or the answer: the text may hold a temporary PIN code.

Delivery receipts come to ``POST /notices/sms/receipt``, authenticated with
``SEGL_SMS_RECEIPT_TOKEN`` (``Authorization: Bearer …``, or as the password of HTTP Basic), as
JSON or a form with ``reference`` and ``status`` (and ``error``).

Another provider plugs in as a class (``SEGL_SMS_GATEWAY``), best a subclass of ``HttpSms``:

- ``request(message) -> (headers, body)``: the provider's request for one message;
- ``reference(response, message) -> str``: the provider's id from its answer;
- ``receipts(data) -> list[Receipt]``: its receipt webhook's body (already parsed from JSON or a
  form) as receipts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings

from .gateways import Undeliverable
from .models import OutboxMessage

RETRIED = frozenset({401, 403, 408, 425, 429})
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_PLACE = re.compile(r"\{(to|text|reference|sender)\}")


@dataclass(frozen=True)
class Receipt:
    reference: str
    status: str  # delivered, failed, or the provider's own word
    error: str = ""


class ProviderError(Exception):
    """The provider did not take the message this time."""


class HttpSms:
    def __init__(self) -> None:
        self.settings = settings.CONFIG.notices

    def reference_of(self, message: OutboxMessage) -> str:
        return f"segl-{message.pk}"

    def request(self, message: OutboxMessage) -> tuple[dict[str, str], bytes]:
        values = {
            "to": message.to,
            "text": message.text,
            "reference": self.reference_of(message),
            "sender": self.settings.sms_sender,
        }
        shape = _fill(json.loads(self.settings.sms_body), values)
        headers = {"User-Agent": "segl"}
        if self.settings.sms_auth:
            headers[self.settings.sms_auth_header] = self.settings.sms_auth
        if self.settings.sms_encoding == "form":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return headers, urlencode(shape).encode("ascii")
        headers["Content-Type"] = "application/json"
        return headers, json.dumps(shape, ensure_ascii=False).encode("utf-8")

    def reference(self, response: httpx.Response, message: OutboxMessage) -> str:
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict):
            for name in ("id", "message_id", "reference"):
                if isinstance(answer.get(name), (str, int)) and str(answer[name]):
                    return str(answer[name])
        return self.reference_of(message)

    def send(self, message: OutboxMessage) -> str | None:
        headers, body = self.request(message)
        try:
            response = httpx.post(
                self.settings.sms_url, headers=headers, content=body, timeout=TIMEOUT
            )
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
            raise ProviderError(f"the SMS provider could not be reached ({reason})") from None
        status = response.status_code
        if 200 <= status < 300:
            return self.reference(response, message)
        if 400 <= status < 500 and status not in RETRIED:
            raise Undeliverable(f"the SMS provider refused the message ({status})")
        raise ProviderError(f"the SMS provider answered {status}")

    def receipts(self, data: dict[str, Any]) -> list[Receipt]:
        reference, status = data.get("reference"), data.get("status")
        if isinstance(reference, int) and not isinstance(reference, bool):
            reference = str(reference)  # a provider's id given as a number
        if not isinstance(reference, str) or not reference or not isinstance(status, str):
            raise ValueError("a receipt needs a reference and a status")
        if not status:
            raise ValueError("a receipt needs a reference and a status")
        error = data.get("error")
        return [Receipt(reference, status.lower()[:64], error if isinstance(error, str) else "")]


def record_receipts(receipts: list[Receipt], *, now: datetime) -> int:
    """Each receipt on the SMS it is about; returns how many messages it found."""
    recorded = 0
    for receipt in receipts:
        if not receipt.reference:  # it would match every message not sent yet
            continue
        changes: dict[str, Any] = {"receipt": receipt.status}
        if receipt.status == "delivered":
            changes["delivered_at"] = now
        elif receipt.error:
            changes["error"] = receipt.error[:200]
        recorded += OutboxMessage.objects.filter(
            channel=OutboxMessage.Channel.SMS, reference=receipt.reference
        ).update(**changes)
    return recorded


def _fill(shape: Any, values: dict[str, str]) -> Any:
    """The body's shape with ``{name}`` filled in inside its strings."""
    if isinstance(shape, dict):
        return {key: _fill(value, values) for key, value in shape.items()}
    if isinstance(shape, list):
        return [_fill(value, values) for value in shape]
    if isinstance(shape, str):  # in one pass, so that a text holding "{to}" stays as it is
        return _PLACE.sub(lambda found: values[found.group(1)], shape)
    return shape
