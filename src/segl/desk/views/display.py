"""The customer display: the screen turned to the citizen at the desk (not a staff page). It is
paired by typing the code the desk shows, then known by the secret its browser keeps, and shows
only what its operator asks the citizen."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from segl import clock
from segl.authenticators.selectors import device_by_serial
from segl.centres.display import (
    CLAIMS_PER_ADDRESS,
    PAIRING_MINUTES,
    DisplayRefused,
    Prompt,
    display_answer,
    display_claim,
    display_code_shown,
    display_of,
)
from segl.centres.models import CustomerDisplay
from segl.centres.registry import centres
from segl.codedevice import texts
from segl.http import client_ip, hit
from segl.identities.models import Identity

from ..refusals import display_refusal
from .common import page

COOKIE = "segl_display"
COOKIE_SECONDS = 12 * 3600
FIELDS = ("user_id", "password", "password_again", "code", "reply", "version")


def _claim(request: HttpRequest) -> HttpResponse:
    """The code from the desk, typed here: at most ``CLAIMS_PER_ADDRESS`` tries per address."""
    if hit(f"display-claim:{client_ip(request)}", CLAIMS_PER_ADDRESS, window=PAIRING_MINUTES * 60):
        refusal = DisplayRefused("pairing_tries", "code")
    else:
        try:
            _display, token = display_claim(code=request.POST.get("code", ""), now=clock.now())
        except DisplayRefused as exc:
            refusal = exc
        else:
            response = redirect("display:display")
            response.set_cookie(
                COOKIE,
                token,
                max_age=COOKIE_SECONDS,
                httponly=True,
                samesite="Strict",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
    context = {"display": None, "error": display_refusal(refusal.reason), "field": "code"}
    return page(request, "display.html", context, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def display(request: HttpRequest) -> HttpResponse:
    shown = display_of(request.COOKIES.get(COOKIE, ""))
    if shown is None or shown.operator_id is None:
        if request.method == "POST":
            return _claim(request)
        return page(request, "display.html", {"display": None})
    error, field, status = "", "", 200
    if request.method == "POST":
        fields = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            display_answer(display=shown, fields=fields, now=clock.now())
        except DisplayRefused as exc:
            error, field, status = display_refusal(exc.reason), exc.field, 400
        else:
            return redirect("display:display")
        shown.refresh_from_db()
    response = page(request, "display.html", _context(request, shown, error, field), status=status)
    if shown.prompt == Prompt.ACTIVATION_CODE and "code" in shown.prompt_data:
        display_code_shown(shown)  # on the screen once, never kept to be shown again
    return response


def _context(
    request: HttpRequest, shown: CustomerDisplay, error: str, field: str
) -> dict[str, object]:
    visit = shown.visit
    identity = Identity.objects.filter(person=visit.person).first() if visit else None
    kind = ""
    if shown.prompt == Prompt.DEVICE:
        device = device_by_serial(str(shown.prompt_data.get("serial", "")))
        kind = device.kind if device is not None else ""
    return {
        "device_title": texts.activate_title(kind),
        "chip_options": shown.prompt_data.get("options") if shown.prompt == Prompt.CHIP else None,
        "device_code_hint": texts.code_hint(kind),
        "display": shown,
        "centre": centres().get(shown.centre),
        "prompt": shown.prompt,
        "prompts": Prompt,
        "needs_password": shown.prompt in (Prompt.DEVICE, Prompt.CHIP)
        and identity is not None
        and not identity.password_hash,
        "user_id": identity.user_id if identity else "",
        "error": error,
        "field": field,
        "typed_user_id": request.POST.get("user_id", "") if field != "user_id" else "",
    }


@never_cache
@require_GET
def version(request: HttpRequest) -> HttpResponse:
    shown = display_of(request.COOKIES.get(COOKIE, ""))
    return JsonResponse({"version": shown.version if shown else -1})
