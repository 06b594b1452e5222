"""The browser's side of the app step: the page that shows the QR code or the one-time code,
the QR code itself (new every second), the outcome as it happens (long-poll), and "Send a new
request" when the last one expired or was refused."""

from __future__ import annotations

import asyncio
import contextlib
import io
from typing import Any

import segno
from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.core.errors import FlowStateError, SeglError
from segl.flows import services as flows
from segl.flows.models import Flow
from segl.flows.views import stale_page
from segl.http import browser_key, client_ip, hit, rate_limited

from . import decoy, doorbell, services

LONG_POLL_SECONDS = 25
# A login page asks for a QR code every second and holds one long-poll; a few tabs and a few
# people behind one address fit well inside these.
QR_PER_MINUTE = 600
STATUS_PER_MINUTE = 300
POLL_INTERVAL = 0.1


def step_context(flow: Flow) -> dict[str, Any]:
    """What the app step's page shows, for the flow's current app request. The page shows both
    the QR code and the one-time code, whichever the citizen's app uses: what it shows must not
    depend on what the identity has (decision 17)."""
    now = clock.now()
    request = services.app_request_current(flow)
    state = services.request_state(request, now)
    return {
        "app_request": request,
        "app_state": state,
        "code_digits": list(request.code) if request else [],
        "too_many": state in ("none", "cancelled", "expired")
        and decoy.too_many_requests(flow, now),
        "status_url": reverse("flows:app-status", kwargs={"flow_id": flow.id}),
        "qr_url": reverse("flows:app-qr", kwargs={"flow_id": flow.id}),
        "retry_url": reverse("flows:app-retry", kwargs={"flow_id": flow.id}),
    }


def _flow(request: HttpRequest, flow_id: str) -> Flow:
    return flows.flow_get(flow_id=flow_id, browser_key=browser_key(request))


@require_GET
def qr(request: HttpRequest, flow_id: str) -> HttpResponse:
    """The QR code for this second, as SVG."""
    if hit(f"ip:qr:{client_ip(request)}", QR_PER_MINUTE):
        return HttpResponse(status=429)
    try:
        flow = _flow(request, flow_id)
    except (Flow.DoesNotExist, flows.WrongBrowser):
        return HttpResponse(status=404)
    now = clock.now()
    current = services.app_request_current(flow)
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
    current = services.app_request_current(Flow(id=flow_id))
    flow = _flow(request, flow_id)
    if flow.step != flows.APP_STEP:
        state = "done" if flow.step == "done" else "finished"
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
        except (Flow.DoesNotExist, flows.WrongBrowser):
            return JsonResponse({"error": "not_found"}, status=404)
        if answer["state"] != since or loop.time() >= deadline:
            return JsonResponse(answer, headers={"Cache-Control": "no-store"})
        bell = await doorbell.wait(f"flow:{flow_id}", bell, longest=POLL_INTERVAL)


@require_POST
def retry(request: HttpRequest, flow_id: str) -> HttpResponse:
    """Send a new request to the app."""
    # The step page says where the flow stands (also "too many requests"); a flow no longer at
    # the app step refuses the form instead, as every step does.
    if not rate_limited(request, "flow"):
        with contextlib.suppress(Flow.DoesNotExist, flows.WrongBrowser, SeglError):
            try:
                flows.flow_app_retry(
                    flow_id=flow_id,
                    browser_key=browser_key(request),
                    now=clock.now(),
                    ip=client_ip(request),
                )
            except FlowStateError:
                return stale_page(request, _flow(request, flow_id))
    return redirect("flows:step", flow_id=flow_id)


def render_step(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    flow: Flow = context["flow"]
    app_context = step_context(flow)
    if app_context["app_state"] in ("approved", "rejected"):
        # Answered since the flow was read: show the flow's outcome instead.
        return redirect("flows:step", flow_id=flow.id)
    return render(request, "app/step.html", {**context, **app_context})
