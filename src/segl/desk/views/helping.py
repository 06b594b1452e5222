"""Helping the person at the desk: reading the document's chip; with the customer display,
pairing it, asking the citizen to choose a user ID and password or a new password, handing over
a device (from the centre's stock or a pickup order) and activating it, and showing an app
activation code."""

from __future__ import annotations

import base64
import binascii
import json

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from segl import clock
from segl.app.services.activation import activation_code_issue
from segl.authenticators.models import Kind
from segl.authenticators.selectors import device_by_serial
from segl.centres.approvals import identity_of
from segl.centres.display import Prompt, display_ask, display_for, display_offer
from segl.centres.letters import letter_send
from segl.centres.models import Visit
from segl.centres.staff import StaffRefused
from segl.centres.stock import handover_device
from segl.centres.visits import visit_chip, visit_chip_refused, visit_without_photo_id
from segl.core.documents import birth_date
from segl.core.errors import DocumentRefused
from segl.orders.services import OrderRefused, order_hand_over
from segl.proofing.trust import read_chip_at_desk

from ..auth import DESK_STAFF, staff_only
from ..refusals import refusal
from .common import notice, staff
from .visits import visit_of, visit_page


def _post_only(request: HttpRequest) -> HttpResponse | None:
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


@staff_only(*DESK_STAFF)
def pair(request: HttpRequest, pk: int) -> HttpResponse:
    """A code for pairing a customer display, shown on this desk only, for 5 minutes."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    display_offer(visit=visit, now=clock.now())
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
    device = device_by_serial(serial)
    prompt = Prompt.CHIP if device is not None and device.kind == Kind.CHIP else Prompt.DEVICE
    return _ask(request, visit, prompt, {"serial": serial})


@staff_only(*DESK_STAFF)
def app_code(request: HttpRequest, pk: int) -> HttpResponse:
    """An activation code for the segl app, shown on the customer display only."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    identity = identity_of(visit)
    if identity is None or not visit.identified:
        return visit_page(request, visit, 400, error=refusal("document_first"))
    if not visit.photo_id:
        return visit_page(request, visit, 400, error=refusal("photo_id_needed"))
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
    if not visit.photo_id:
        return visit_page(request, visit, 400, error=refusal("photo_id_needed"))
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


CHIP_FILE_BYTES = 512 * 1024


def _reader_output(request: HttpRequest) -> tuple[str, dict[int, bytes], bytes]:
    """What the desk's document reader read: the printed zone, the chip's data groups and EF.SOD
    (JSON: ``printed_mrz``, ``groups`` {number: base64}, ``sod`` base64). In the demo, the file
    an emulated passport is."""
    upload = request.FILES.get("chip")
    if upload is None or upload.size is None or upload.size > CHIP_FILE_BYTES:
        raise StaffRefused("chip_unreadable")
    try:
        data = json.loads(upload.read())
        if not isinstance(data, dict):
            raise TypeError("not an object")
        groups = {
            int(number): base64.b64decode(value, validate=True)
            for number, value in dict(data["groups"]).items()
            if str(number).isdigit() and 1 <= int(number) <= 16
        }
        return str(data["printed_mrz"]), groups, base64.b64decode(data["sod"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
        raise StaffRefused("chip_unreadable") from None


@staff_only(*DESK_STAFF)
def chip(request: HttpRequest, pk: int) -> HttpResponse:
    """Read the document's chip where the centre has a reader: passive authentication, and it
    must be the document recorded, of the person at the desk."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    try:
        if not visit.identified:
            raise StaffRefused("document_first")
        printed, groups, sod = _reader_output(request)
        try:
            checked = read_chip_at_desk(
                printed_mrz=printed, groups=groups, sod=sod, now=clock.now()
            )
            born = birth_date(checked.mrz, clock.now().date())
        except DocumentRefused as exc:
            visit_chip_refused(visit=visit, reason=exc.reason, now=clock.now())
            raise StaffRefused(exc.reason) from None
        visit_chip(
            visit=visit,
            document_number=checked.mrz.document_number,
            issuing_state=checked.mrz.issuing_state,
            birth_date=born,
            country=checked.passive.country,
            now=clock.now(),
        )
    except StaffRefused as exc:
        return visit_page(request, visit, 400, error=refusal(exc.reason), field="chip")
    notice(request, _("The chip is genuine and belongs to this document."))
    return redirect("desk:visit", pk=pk)


@staff_only(*DESK_STAFF)
def no_photo_id(request: HttpRequest, pk: int) -> HttpResponse:
    """The person has no valid photo ID: record what they showed instead."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    try:
        visit_without_photo_id(visit=visit, seen=request.POST.get("seen", ""), now=clock.now())
    except StaffRefused as exc:
        return visit_page(request, visit, 400, error=refusal(exc.reason), field="seen")
    notice(
        request, _("Recorded. What the person gets comes by letter to their registered address.")
    )
    return redirect("desk:visit", pk=pk)


@staff_only(*DESK_STAFF)
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The app's activation code by letter to the person's address in the people register."""
    visit = visit_of(request, pk)
    if refused := _post_only(request):
        return refused
    try:
        address = letter_send(visit=visit, now=clock.now())
    except StaffRefused as exc:
        return visit_page(request, visit, 400, error=refusal(exc.reason))
    notice(request, _("The letter is on its way to %(address)s.") % {"address": address})
    return redirect("desk:visit", pk=pk)
