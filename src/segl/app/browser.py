"""The browser's side of the app step: the page that shows the QR code or the one-time code,
the QR code itself (new every second) and the outcome as it happens (long-poll). "Send a new
request" is the flow's own retry (it begins the step again)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Mapping
from typing import Any

import segno
from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from segl import clock
from segl.authenticators.contract import StepContext, StepNotFound
from segl.authenticators.registry import flows
from segl.http import browser_key, client_ip, hit

from . import decoy, doorbell, services

APP = "app"  # the app's one step (also its kind's name)

LONG_POLL_SECONDS = 25
# A login page asks for a QR code every second and holds one long-poll; a few tabs and a few
# people behind one address fit well inside these.
QR_PER_MINUTE = 600
STATUS_PER_MINUTE = 300
POLL_INTERVAL = 0.1


def step_context(step: StepContext) -> dict[str, Any]:
    """What the app step's page shows, for the flow's current app request. The page shows both
    the QR code and the one-time code, whichever the citizen's app uses: what it shows must not
    depend on what the identity has (decision 17)."""
    now = clock.now()
    request = services.app_request_current(step.flow_id)
    state = services.request_state(request, now)
    flow_id = step.flow_id
    too_many = state in ("none", "cancelled", "expired") and decoy.too_many_requests(step, now)
    return {
        "app_request": request,
        "app_state": state,
        "code_digits": list(request.code) if request else [],
        "seconds_left": max(0, int((request.expires_at - now).total_seconds())) if request else 0,
        "too_many": too_many,
        "status_url": reverse("flows:app-status", kwargs={"flow_id": flow_id}),
        "qr_url": reverse("flows:app-qr", kwargs={"flow_id": flow_id}),
        "retry_url": reverse("flows:retry", kwargs={"flow_id": flow_id, "prefix": "app"}),
    }


def _step(request: HttpRequest, flow_id: str) -> StepContext:
    return flows().browser_step(flow_id=flow_id, kind=APP, browser_key=browser_key(request))


@require_GET
def qr(request: HttpRequest, flow_id: str) -> HttpResponse:
    """The QR code for this second, as SVG."""
    if hit(f"ip:qr:{client_ip(request)}", QR_PER_MINUTE):
        return HttpResponse(status=429)
    try:
        step = _step(request, flow_id)
    except StepNotFound:
        return HttpResponse(status=404)
    now = clock.now()
    current = services.app_request_current(step.flow_id)
    if current is None or services.request_state(current, now) != "pending":
        # Nothing to scan any more (the app has it, or it ended); the page moves on by itself.
        return HttpResponse(status=204)
    return HttpResponse(qr_svg(services.qr_text(current, now)), content_type="image/svg+xml")


def qr_svg(text: str) -> str:
    """A QR code as a standalone SVG document (for an ``img`` or a data URL)."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(
        out, kind="svg", scale=6, border=2, dark="#0b0c0c", light="#ffffff", xmldecl=False
    )
    return out.getvalue().decode()


def _state(request: HttpRequest, flow_id: str) -> dict[str, Any]:
    # The app's answer changes its request and the flow in one transaction. Read the request
    # first: if it has an answer, the flow read after it has its outcome too.
    current = services.app_request_current(flow_id)
    step = _step(request, flow_id)
    if step.step != APP:
        state = "done" if step.step == "done" else "finished"
    else:
        state = services.request_state(current, clock.now())
    return {"state": state, "next": reverse("flows:step", kwargs={"flow_id": flow_id})}


@require_GET
async def status(request: HttpRequest, flow_id: str) -> HttpResponse:
    """Where the app step stands; with ``?since=STATE&wait=N`` the answer waits (at most 25 s)
    until it changes, so the browser moves on as soon as the citizen swipes."""
    if await sync_to_async(hit)(f"ip:status:{client_ip(request)}", STATUS_PER_MINUTE):
        return JsonResponse({"error": "rate_limited"}, status=429)
    since = request.GET.get("since", "")
    try:
        wait = max(0.0, min(float(request.GET.get("wait", "0")), LONG_POLL_SECONDS))
    except ValueError:
        wait = 0.0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    bell = doorbell.count(f"flow:{flow_id}")
    while True:
        try:
            answer = await doorbell.look(_state, request, flow_id)
        except StepNotFound:
            return JsonResponse({"error": "not_found"}, status=404)
        if answer["state"] != since or loop.time() >= deadline:
            return JsonResponse(answer, headers={"Cache-Control": "no-store"})
        bell = await doorbell.wait(f"flow:{flow_id}", bell, longest=POLL_INTERVAL)


def render_step(
    request: HttpRequest, step: StepContext, page: Mapping[str, object]
) -> HttpResponse:
    app_context = step_context(step)
    if app_context["app_state"] in ("approved", "rejected"):
        # Answered since the flow was read: show the flow's outcome instead.
        return redirect("flows:step", flow_id=step.flow_id)
    return render(request, "app/step.html", {**page, **app_context})
