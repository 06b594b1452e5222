"""The desk's own pages: the start page, a person's visit, the document checked, and asking a
second staff member to approve an action."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from segl import clock
from segl.authenticators.models import Authenticator
from segl.centres.appointments import appointments_on
from segl.centres.approvals import approval_request, identity_of, waiting_at
from segl.centres.display import Prompt, display_end, display_for
from segl.centres.models import Appointment, Approval, Visit
from segl.centres.registry import local_day
from segl.centres.staff import StaffRefused
from segl.centres.visits import person_lookup, visit_document, visit_end, visit_start
from segl.orders.services import orders_to_hand_over

from ..auth import DESK_STAFF, staff_only
from ..refusals import refusal
from .common import notice, page, staff

# What the desk asks a second staff member for without the customer display; creating an
# identity and resetting the password need what the citizen types there.
PLAIN_ACTIONS = (Approval.Action.LIFT_LOCK, Approval.Action.REINSTATE, Approval.Action.REVOKE_ALL)


@staff_only(*DESK_STAFF)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return page(request, "home.html", _home(request, request.GET.get("day", "")))


def _home(request: HttpRequest, day_text: str = "") -> dict[str, object]:
    """The start page: the day's appointments (today, or the day asked for), the visits still
    open, and what waits for a second staff member."""
    me = staff(request)
    today = local_day(clock.now())
    try:
        day = date.fromisoformat(day_text) if day_text else today
    except ValueError:
        day = today
    return {
        "approvals": waiting_at(me.centre.id, clock.now()),
        "open_visits": _open_visits(request),
        "appointments": appointments_on(me.centre.id, day),
        "day": day,
        "today": day == today,
    }


def _open_visits(request: HttpRequest) -> list[Visit]:
    me = staff(request)
    return list(
        Visit.objects.filter(operator=me.identity, centre=me.centre.id, ended_at=None)
        .select_related("person")
        .order_by("-started_at")[:10]
    )


@staff_only(*DESK_STAFF)
@require_POST
def visit_new(request: HttpRequest) -> HttpResponse:
    me = staff(request)
    try:
        person = person_lookup(
            cpr=request.POST.get("cpr", ""),
            operator=me.identity,
            centre=me.centre.id,
            now=clock.now(),
        )
    except StaffRefused as exc:
        context = {
            **_home(request),
            "error": refusal(exc.reason),
            "cpr": request.POST.get("cpr", ""),
        }
        return page(request, "home.html", context, status=400)
    chosen = request.POST.get("appointment", "")
    booked = Appointment.objects.filter(
        pk=int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) < 19 else 0,
        centre=me.centre.id,
        status=Appointment.Status.BOOKED,
    ).first()
    visit = visit_start(
        person=person,
        operator=me.identity,
        centre=me.centre.id,
        now=clock.now(),
        appointment=booked,
    )
    return redirect("desk:visit", pk=visit.pk)


def visit_of(request: HttpRequest, pk: int) -> Visit:
    """A visit of this staff member at this centre; anyone else's is not found."""
    me = staff(request)
    visit = (
        Visit.objects.select_related("person")
        .filter(pk=pk, operator=me.identity, centre=me.centre.id, ended_at=None)
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def visit_page(
    request: HttpRequest, visit: Visit, status: int = 200, **extra: object
) -> HttpResponse:
    identity = identity_of(visit)
    authenticators = (
        list(
            Authenticator.objects.filter(identity=identity).select_related("device").order_by("pk")
        )
        if identity
        else []
    )
    context = {
        "visit": visit,
        "person": visit.person,
        "identity": identity,
        "authenticators": authenticators,
        "documents": [c for c in Visit.Document.choices if c[0] != Visit.Document.NONE],
        "pending": visit.approvals.filter(status=Approval.Status.PENDING).order_by("-requested_at"),
        "decided": visit.approvals.exclude(status=Approval.Status.PENDING).order_by(
            "-requested_at"
        ),
        "display": display_for(visit.operator),
        "now": clock.now(),
        "prompts": Prompt,
        "orders": orders_to_hand_over(visit.person, visit.centre),
        **extra,
    }
    return page(request, "visit.html", context, status=status)


@staff_only(*DESK_STAFF)
def visit(request: HttpRequest, pk: int) -> HttpResponse:
    found = visit_of(request, pk)  # first: another's visit is not found, whatever the method
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return visit_page(request, found)


@staff_only(*DESK_STAFF)
def document(request: HttpRequest, pk: int) -> HttpResponse:
    found = visit_of(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        expiry = date.fromisoformat(request.POST.get("expiry", ""))
    except ValueError:
        return visit_page(request, found, 400, error=refusal("document_expiry"), field="expiry")
    try:
        visit_document(
            visit=found,
            kind=request.POST.get("kind", ""),
            number=request.POST.get("number", ""),
            country=request.POST.get("country", ""),
            expiry=expiry,
            now=clock.now(),
        )
    except StaffRefused as exc:
        return visit_page(request, found, 400, error=refusal(exc.reason), field=exc.reason)
    notice(request, _("The document is recorded."))
    return redirect("desk:visit", pk=pk)


@staff_only(*DESK_STAFF)
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    found = visit_of(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action", "")
    if action not in PLAIN_ACTIONS:
        return visit_page(request, found, 400, error=refusal("unknown_action"))
    details = {}
    if action == Approval.Action.REINSTATE:
        details["authenticator"] = request.POST.get("authenticator", "")
    try:
        approval_request(
            visit=found,
            action=action,
            operator=staff(request).identity,
            now=clock.now(),
            details=details,
        )
    except StaffRefused as exc:
        return visit_page(request, found, 400, error=refusal(exc.reason))
    notice(request, _("Asked. Another operator or a supervisor approves it in their own login."))
    return redirect("desk:visit", pk=pk)


@staff_only(*DESK_STAFF)
def end(request: HttpRequest, pk: int) -> HttpResponse:
    found = visit_of(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    visit_end(visit=found, now=clock.now())
    display_end(staff(request).identity)
    notice(request, _("The visit is ended."))
    return redirect("desk:home")
