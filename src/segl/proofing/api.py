"""The app's proofing API (under ``/app/api/proofing/``): JSON, the proofing's secret as a
bearer token. The reader interface is the ``chip`` pair: a native wrapper reads the chip after
Basic Access Control and sends its data groups and EF.SOD, then the chip's answer to the
challenge it is given; the web app sends the same from an emulated document file."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.app.api.base import app_rate_limited, json_body, text_field
from segl.app.browser import qr_svg
from segl.chip.errors import ChipRefused
from segl.core.errors import MrzInvalid, PasswordRejected, SeglError
from segl.http import client_ip

from . import activation, services

OPENAPI = Path(__file__).resolve().parent / "openapi.yaml"
# A chip's data groups with a face (DG2 is often 15-30 kB) or a camera's picture.
MAX_BODY = 1_500_000
MAX_FIELD = 1_000_000
STATUS = {
    "proofing_unknown": 404,
    "proofing_expired": 410,
    "proofing_state": 409,
    "too_many_attempts": 429,
    "rate_limited": 429,
    "copy_unknown": 404,
    "copy_expired": 410,
    "copy_state": 409,
}


def _error(code: str, reason: str) -> JsonResponse:
    status = STATUS.get(reason, 400)
    return JsonResponse({"error": code, "reason": reason}, status=status)


def _bytes(
    data: dict[str, Any], name: str, *, required: bool = True, field: str = ""
) -> bytes | None:
    """``data[name]``, base64; a refusal names ``field`` (the name by default)."""
    field = field or name
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > MAX_FIELD:
        raise services.ProofingRefused(f"{field}_missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise services.ProofingRefused(f"{field}_not_base64") from None


def _secret(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise services.ProofingRefused("proofing_unknown")
    return token.strip()


def proofing_view(view: Callable[..., JsonResponse]) -> Callable[..., HttpResponse]:
    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if app_rate_limited(request):
            return _error("proofing_refused", "rate_limited")
        try:
            data = json_body(request, max_body=MAX_BODY) if request.method == "POST" else {}
            return view(request, data, *args, **kwargs)
        except MrzInvalid as exc:
            return _error(exc.code, exc.reason)
        except PasswordRejected as exc:
            return _error(exc.code, f"password_{exc.reason}")
        except SeglError as exc:
            return _error(exc.code, str(getattr(exc, "reason", "") or exc.code))

    return wrapper


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    """The proofing API described in OpenAPI 3.1, for app and reader developers."""
    return HttpResponse(OPENAPI.read_bytes(), content_type="application/yaml")


@require_POST
@proofing_view
def start(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    proofing, secret = services.proofing_start(now=clock.now())
    return JsonResponse(
        {"proofing": secret, "expires_at": proofing.expires_at.isoformat()}, status=201
    )


@require_GET
@proofing_view
def state(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(activation.proofing_summary(services.proofing_status(_secret(request))))


@require_POST
@proofing_view
def terms(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    services.proofing_terms(secret=_secret(request), now=clock.now())
    return JsonResponse({"state": "started", "terms": True})


@require_POST
@proofing_view
def document(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    mrz = services.proofing_document(
        secret=_secret(request),
        cpr=text_field(data, "cpr"),
        mrz_text=text_field(data, "mrz"),
        now=clock.now(),
    )
    return JsonResponse(
        {"state": "document", "document_code": mrz.document_code, "format": mrz.format}
    )


@require_POST
@proofing_view
def chip(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    raw = data.get("groups")
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and k.isdigit() and len(k) <= 2 for k in raw
    ):
        raise services.ProofingRefused("groups_missing")
    groups = {int(number): _bytes(raw, number, field="groups") or b"" for number in raw}
    answer = services.proofing_chip(
        secret=_secret(request), groups=groups, sod=_bytes(data, "sod") or b"", now=clock.now()
    )
    return JsonResponse({"state": "chip", **answer})


@require_POST
@proofing_view
def chip_answer(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    check = services.proofing_chip_answer(
        secret=_secret(request),
        aa_signature=_bytes(data, "aa_signature", required=False),
        ca_response=_bytes(data, "ca_response", required=False),
        now=clock.now(),
    )
    return JsonResponse({"state": "face", "check": check})


@require_POST
@proofing_view
def face(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    decision = services.proofing_face(
        secret=_secret(request), capture=_bytes(data, "capture") or b"", now=clock.now()
    )
    return JsonResponse(
        {"state": "verified" if decision == "match" else "review", "decision": decision}
    )


@require_POST
@proofing_view
def identity(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    made = activation.proofing_identity(
        secret=_secret(request),
        user_id=text_field(data, "user_id", required=False),
        restart=data.get("restart") is True,
        now=clock.now(),
    )
    return JsonResponse({"user_id": made.user_id, "level": made.ial}, status=201)


@require_POST
@proofing_view
def app_here(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    started = activation.proofing_app_here(
        secret=_secret(request), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse(
        {"activation": started.id, "expires_at": started.expires_at.isoformat()}, status=201
    )


def _offer(offer: Any, qr: str | None = None) -> dict[str, Any]:
    shown = {"qr": qr, "qr_svg": qr_svg(qr)} if qr else {}
    return {
        "copy": offer.id,
        "state": offer.state,
        "expires_at": offer.expires_at.isoformat(),
        **shown,
    }


@require_POST
@proofing_view
def copy_offer(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    offer, qr = activation.proofing_app_elsewhere(
        secret=_secret(request), now=clock.now(), ip=client_ip(request)
    )
    return JsonResponse(_offer(offer, qr), status=201)


@require_GET
@proofing_view
def copy_status(request: HttpRequest, data: dict[str, Any], copy_id: str) -> JsonResponse:
    return JsonResponse(
        _offer(
            activation.proofing_app_elsewhere_status(
                secret=_secret(request), offer_id=copy_id, now=clock.now()
            )
        )
    )


@require_POST
@proofing_view
def copy_confirm(request: HttpRequest, data: dict[str, Any], copy_id: str) -> JsonResponse:
    offer = activation.proofing_app_elsewhere_confirm(
        secret=_secret(request),
        offer_id=copy_id,
        code=text_field(data, "code"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(_offer(offer))


@require_POST
@proofing_view
def device(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    made = activation.proofing_device(
        secret=_secret(request),
        serial=text_field(data, "serial"),
        code=text_field(data, "code"),
        password=text_field(data, "password"),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(
        {"kind": made.kind, "serial": made.device.serial if made.device else None}, status=201
    )


@require_POST
@proofing_view
def security_key(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """ "Yes, activate" a chip: its registration begins (the options for the browser)."""
    return JsonResponse(
        activation.proofing_chip_begin(
            secret=_secret(request),
            serial=text_field(data, "serial"),
            password=text_field(data, "password"),
            now=clock.now(),
        ),
        status=201,
    )


@require_POST
@proofing_view
def security_key_finish(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise ChipRefused("invalid")
    made = activation.proofing_chip_finish(
        secret=_secret(request),
        challenge=text_field(data, "challenge"),
        credential=credential,
        now=clock.now(),
    )
    return JsonResponse(
        {"kind": made.kind, "serial": made.device.serial if made.device else None}, status=201
    )


@proofing_view
def order(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """GET: the price and the choices for ``?kind=``; POST: the order."""
    if request.method == "GET":
        kind = request.GET.get("kind", "")
        return JsonResponse(
            activation.proofing_quote(secret=_secret(request), kind=kind, now=clock.now())
        )
    if request.method != "POST":
        return JsonResponse({"error": "method_not_allowed"}, status=405)
    price = data.get("expected_price")
    placed = activation.proofing_order(
        secret=_secret(request),
        key=text_field(data, "key"),  # one per order form: sent twice, one order
        expected_price=price if isinstance(price, int) and not isinstance(price, bool) else None,
        kind=text_field(data, "kind"),
        delivery=text_field(data, "delivery"),
        centre=text_field(data, "centre", required=False),
        now=clock.now(),
        ip=client_ip(request),
    )
    return JsonResponse(
        {"reference": placed.reference, "status": placed.status, "kind": placed.kind}, status=201
    )
