"""Helping the person at the desk with the customer display: pairing it, asking the citizen to
choose a user ID and password or a new password, handing over a device (from the centre's stock
or a pickup order) and activating it, and showing an app activation code."""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from segl import clock
from segl.app.services.activation import activation_code_issue
from segl.centres.approvals import identity_of
from segl.centres.display import (
    PAIRING_MINUTES,
    Prompt,
    display_ask,
    display_for,
    display_pair,
)
from segl.centres.models import Visit
from segl.centres.staff import StaffRefused
from segl.centres.stock import handover_device
from segl.orders.services import OrderRefused, order_hand_over

from ..auth import DESK_STAFF, staff_only
from ..refusals import refusal
from .common import notice, staff
from .visits import visit_of, visit_page

MISSES = "desk_pairing_misses"


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _misses(request: HttpRequest) -> list[float]:
    since = time.time() - PAIRING_MINUTES * 60
    return [t for t in request.session.get(MISSES, []) if t > since]


@staff_only(*DESK_STAFF)
def pair(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    misses = _misses(request)
    try:
        display_pair(
            visit=visit, code=request.POST.get("code", ""), misses=len(misses), now=clock.now()
        )
    except StaffRefused as exc:
        if exc.reason == "pairing_code":
            request.session[MISSES] = [*misses, time.time()]
        return visit_page(request, visit, 400, error=refusal(exc.reason))
    request.session.pop(MISSES, None)
    notice(request, _("The customer display is paired with your desk."))
    return redirect("desk:visit", pk=pk)


def _ask(
    request: HttpRequest, visit: Visit, prompt: str, data: dict[str, str] | None = None
) -> HttpResponse:
    try:
        display_ask(visit=visit, prompt=prompt, data=data, now=clock.now())
    except StaffRefused as exc:
        return visit_page(request, visit, 400, error=refusal(exc.reason))
    notice(request, _("Asked on the customer display. The citizen types there."))
    return redirect("desk:visit", pk=visit.pk)


@staff_only(*DESK_STAFF)
def ask_display(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen chooses a user ID and password (a new identity) or a new password."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    wanted = request.POST.get("prompt", "")
    if wanted not in (Prompt.NEW_IDENTITY, Prompt.PASSWORD):
        return visit_page(request, visit, 400, error=refusal("unknown_action"))
    return _ask(request, visit, wanted)


@staff_only(*DESK_STAFF)
def device(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand over a device (typed or scanned serial) and let the citizen activate it."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    if identity_of(visit) is None or not visit.identified:
        return visit_page(request, visit, 400, error=refusal("document_first"))
    try:
        serial = handover_device(visit=visit, serial=request.POST.get("serial", ""))
    except StaffRefused as exc:
        return visit_page(request, visit, 400, error=refusal(exc.reason), field="serial")
    return _ask(request, visit, Prompt.DEVICE, {"serial": serial})


@staff_only(*DESK_STAFF)
def app_code(request: HttpRequest, pk: int) -> HttpResponse:
    """An activation code for the segl app, shown on the customer display only."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    identity = identity_of(visit)
    if identity is None or not visit.identified:
        return visit_page(request, visit, 400, error=refusal("document_first"))
    if display_for(staff(request).identity) is None:
        return visit_page(request, visit, 400, error=refusal("no_display"))
    code = activation_code_issue(
        identity=identity, now=clock.now(), issued_by=staff(request).identity.user_id
    )
    return _ask(request, visit, Prompt.ACTIVATION_CODE, {"code": code})


@staff_only(*DESK_STAFF)
def pickup(request: HttpRequest, pk: int) -> HttpResponse:
    """Hand over a pickup order to the person it is for."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    if not visit.identified:
        return visit_page(request, visit, 400, error=refusal("document_first"))
    try:
        order = order_hand_over(
            reference=request.POST.get("reference", ""),
            person=visit.person,
            centre=visit.centre,
            now=clock.now(),
            actor=staff(request).identity.user_id,
            document=visit.document_text(),
        )
    except OrderRefused:
        return visit_page(request, visit, 400, error=refusal("unknown_order"))
    notice(request, _("Order %(ref)s is handed over.") % {"ref": order.reference})
    return redirect("desk:visit", pk=pk)


@staff_only(*DESK_STAFF)
def display_state(request: HttpRequest, pk: int) -> HttpResponse:
    """For the visit page to follow: the display's version, and whether it waits for the citizen."""
    visit_of(request, pk)
    shown = display_for(staff(request).identity)
    return JsonResponse({"version": shown.version if shown else -1})
