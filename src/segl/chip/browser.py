"""The browser's side of the chip's login step: a fresh challenge each time "Start" is pressed.

The step page's script asks for the options, hands them to ``navigator.credentials.get`` and
posts the chip's answer with the step's form (``kind.ChipAnswerForm``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from segl import clock
from segl.authenticators.contract import StepNotFound
from segl.authenticators.registry import flows
from segl.http import browser_key, rate_limited
from segl.identities.models import Identity

from . import services
from .errors import ChipRefused

CHIP = "chip"  # the kind, and its step


@require_POST
def options(request: HttpRequest, flow_id: str) -> HttpResponse:
    """``navigator.credentials.get`` options allowing this identity's active chip, and the
    challenge's id; only for the browser that started the login, at the chip's step."""
    if rate_limited(request, "chip-options"):
        return JsonResponse({"error": "rate_limited"}, status=429)
    try:
        step = flows().browser_step(flow_id=flow_id, kind=CHIP, browser_key=browser_key(request))
    except StepNotFound:
        return JsonResponse({"error": "not_found"}, status=404)
    if not step.at_kind_step or step.step != CHIP or step.identity_id is None:
        return JsonResponse({"error": "not_at_step"}, status=409)
    identity = Identity.objects.get(pk=step.identity_id)
    try:
        public_key, challenge = services.assertion_begin(
            identity=identity, flow_id=flow_id, now=clock.now()
        )
    except ChipRefused as refused:
        return JsonResponse({"error": refused.reason}, status=409)
    return JsonResponse(
        {"challenge": challenge, **public_key}, headers={"Cache-Control": "no-store"}
    )
