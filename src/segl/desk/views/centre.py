"""The centre's own work: fulfilment (packing and sending orders, moved here from the portal,
decision 33) and the centre's stock of devices (delivered from the central inventory, counted
on the shelf)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.centres.staff import StaffRefused
from segl.centres.stock import KINDS, stock_at, stock_count, stock_deliver
from segl.http import client_ip
from segl.orders.models import Order
from segl.orders.selectors import orders_open
from segl.orders.services import OrderRefused, order_step
from segl.portal.refusals import refusal as order_refusal

from ..auth import staff_only
from ..refusals import refusal
from .common import notice, page, staff

STOCK_ROLES = ("fulfilment", "operator", "supervisor")


@staff_only("fulfilment")
@require_http_methods(["GET", "POST"])
def fulfilment(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        reference = request.POST.get("reference", "")
        try:
            order_step(
                reference=reference,
                to=request.POST.get("to", ""),
                now=clock.now(),
                actor=staff(request).identity.user_id,
                ip=client_ip(request),
            )
        except OrderRefused as exc:
            error = order_refusal(exc, default="order_unchanged")
        else:
            notice(request, _("Order %(ref)s updated.") % {"ref": reference})
            return redirect("desk:fulfilment")
    context = {"rows": orders_open(), "error": error, "status_labels": dict(Order.Status.choices)}
    return page(request, "fulfilment.html", context, status=400 if error else 200)


@staff_only(*STOCK_ROLES)
@require_http_methods(["GET", "POST"])
def stock(request: HttpRequest) -> HttpResponse:
    me = staff(request)
    error, status = "", 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        number = request.POST.get("count", "")
        try:
            count = int(number) if number.isascii() and number.isdigit() and len(number) < 6 else -1
            if kind not in KINDS or count < 0:
                raise StaffRefused("stock_request")
            if request.POST.get("action") == "deliver":
                if "fulfilment" not in me.roles:
                    raise StaffRefused("not_staff")
                stock_deliver(
                    centre=me.centre.id,
                    kind=kind,
                    count=count,
                    now=clock.now(),
                    actor=me.identity.user_id,
                )
                notice(request, _("The devices are in the centre's stock."))
            else:
                off = stock_count(
                    centre=me.centre.id,
                    kind=kind,
                    counted=count,
                    operator=me.identity,
                    now=clock.now(),
                )
                notice(
                    request,
                    _("The count agrees.")
                    if off == 0
                    else _(
                        "The count differs by %(n)d. The supervisor is told in the centre's log."
                    )
                    % {"n": off},
                )
            return redirect("desk:stock")
        except StaffRefused as exc:
            error, status = refusal(exc.reason), 400
    return page(
        request,
        "stock.html",
        {"lines": stock_at(me.centre.id), "kinds": KINDS, "error": error},
        status=status,
    )
