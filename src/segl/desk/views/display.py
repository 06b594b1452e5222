"""The customer display: the screen turned to the citizen at the desk (not a staff page: it is
known by the secret its browser keeps, and shows only what its operator asks the citizen)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from segl import clock
from segl.centres.display import DisplayRefused, Prompt, display_answer, display_new, display_of
from segl.centres.models import CustomerDisplay
from segl.centres.registry import centres
from segl.identities.models import Identity

from ..refusals import display_refusal
from .common import page

COOKIE = "segl_display"
COOKIE_SECONDS = 12 * 3600
FIELDS = ("user_id", "password", "password_again", "code")


def _display(request: HttpRequest) -> tuple[CustomerDisplay, str | None]:
    found = display_of(request.COOKIES.get(COOKIE, ""), now=clock.now())
    if found is not None:
        return found, None
    created, token = display_new(now=clock.now())
    return created, token


def _keep(response: HttpResponse, token: str | None) -> HttpResponse:
    if token:
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_SECONDS,
            httponly=True,
            samesite="Strict",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def display(request: HttpRequest) -> HttpResponse:
    shown, token = _display(request)
    error, field, status = "", "", 200
    if request.method == "POST" and token is None:
        fields = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            display_answer(display=shown, fields=fields, now=clock.now())
        except DisplayRefused as exc:
            error, field, status = display_refusal(exc.reason), exc.field, 400
        else:
            return redirect("display:display")
        shown.refresh_from_db()
    identity = (
        Identity.objects.filter(person=shown.visit.person).first()
        if shown.visit_id and shown.visit
        else None
    )
    context = {
        "display": shown,
        "centre": centres().get(shown.centre),
        "prompt": shown.prompt,
        "prompts": Prompt,
        "needs_password": shown.prompt == Prompt.DEVICE
        and identity is not None
        and not identity.password_hash,
        "user_id": identity.user_id if identity else "",
        "error": error,
        "field": field,
        "typed_user_id": request.POST.get("user_id", "") if field != "user_id" else "",
    }
    return _keep(page(request, "display.html", context, status=status), token)


@never_cache
@require_GET
def version(request: HttpRequest) -> HttpResponse:
    shown = display_of(request.COOKIES.get(COOKIE, ""), now=clock.now())
    return JsonResponse({"version": shown.version if shown else -1})
