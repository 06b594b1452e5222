"""Fulfilment: operators move orders along (paid, packed, sent, ready, handed over)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.http import client_ip
from segl.orders.models import Order
from segl.orders.services import OrderRefused, is_operator, order_step

from .. import auth, selectors
from ..refusals import refusal
from .common import identity_of, notice, page


@auth.login_required
@require_http_methods(["GET", "POST"])
def fulfilment(request: HttpRequest) -> HttpResponse:
    identity = identity_of(request)
    if not is_operator(identity):
        return page(request, "forbidden.html", status=403)
    error = ""
    if request.method == "POST":
        reference = request.POST.get("reference", "")
        try:
            order_step(
                reference=reference,
                to=request.POST.get("to", ""),
                now=clock.now(),
                actor=identity.user_id,
                ip=client_ip(request),
            )
        except OrderRefused as exc:
            error = refusal(exc, default="order_unchanged")
        else:
            notice(request, _("Order %(ref)s updated.") % {"ref": reference})
            return redirect("portal:fulfilment")
    return page(
        request,
        "fulfilment.html",
        {
            "rows": selectors.orders_open(),
            "error": error,
            "status_labels": dict(Order.Status.choices),
        },
        status=400 if error else 200,
    )
