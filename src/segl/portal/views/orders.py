"""Ordering a code device (seed 000): the order form, the confirmation, following an order."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from segl import clock
from segl.centres.registry import centres
from segl.core import ordering
from segl.http import client_ip, rate_limited
from segl.orders import payments
from segl.orders.models import Order
from segl.orders.services import OrderRefused, order_advance

from .. import auth, selectors
from ..drafts import Draft, draft_make, draft_place, draft_quote
from ..forms import OrderForm
from ..refusals import refusal
from .common import notice, page, posted
from .identify import identify

DRAFT = "portal_order_draft"
PLACED = "portal_orders"  # orders placed from this browser, which it may follow without a login


@require_http_methods(["GET", "POST"])
def order(request: HttpRequest) -> HttpResponse:
    identity = auth.current(request)
    initial = {"kind": request.GET.get("kind", "")}
    form = OrderForm(posted(request), initial=initial, logged_in=identity is not None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return page(request, "order.html", {"form": form}, status=status)
    data = form.cleaned_data
    person = identity.person if identity else None
    identified_by = Order.IdentifiedBy.LOGIN if identity else data["identify"]
    if identified_by == Order.IdentifiedBy.PASSPORT:
        if rate_limited(request, "portal-identify"):
            form.add_error(None, refusal("rate_limited"))
            return page(request, "order.html", {"form": form}, status=429)
        person, status = identify(request, form)
        if person is None:
            return page(request, "order.html", {"form": form}, status=status)
    try:
        draft = draft_make(
            kind=data["kind"],
            person=person,
            identified_by=identified_by,
            delivery=data["delivery"],
            centre=data.get("centre") or "",
            recipient=data.get("recipient") or "",
            address=data.get("address") or "",
            country=data.get("country") or "",
        )
    except OrderRefused as exc:
        form.add_error("delivery", refusal(exc))
        return page(request, "order.html", {"form": form}, status=400)
    request.session[DRAFT] = draft.as_dict()
    return redirect("portal:order_confirm")


@require_http_methods(["GET", "POST"])
def order_confirm(request: HttpRequest) -> HttpResponse:
    shown = Draft.from_dict(request.session.get(DRAFT))
    placed: dict[str, str] = request.session.get(PLACED, {})
    key = request.POST.get("key", "")
    if request.method == "POST" and key in placed:
        # The same form sent again (a double click): the order that was placed.
        return redirect("portal:order_status", reference=placed[key])
    if shown is None:
        return redirect("portal:order")
    quote = draft_quote(shown, now=clock.now())
    request.session[DRAFT] = quote.draft.as_dict()
    context = quote.as_context()
    if request.method != "POST":
        return page(request, "order_confirm.html", context)
    if shown.price is None or not secrets.compare_digest(key, shown.key):
        return redirect("portal:order_confirm")
    if rate_limited(request, "portal-order"):
        context["error"] = refusal("rate_limited")
        return page(request, "order_confirm.html", context, status=429)
    try:
        placed_order = draft_place(
            draft=shown, identity=auth.current(request), now=clock.now(), ip=client_ip(request)
        )
    except OrderRefused as exc:
        if exc.reason == "login_changed":
            return redirect("portal:order")
        context["error"] = refusal(exc.reason, default="order_refused")
        return page(
            request,
            "order_confirm.html",
            context,
            status=409 if exc.reason == "price_changed" else 400,
        )
    placed[shown.key] = placed_order.reference
    request.session[PLACED] = placed
    request.session.pop(DRAFT, None)
    status_url = reverse("portal:order_status", args=[placed_order.reference])
    if placed_order.payment == Order.Payment.INVOICED:
        start = payments.provider().start(
            placed_order, return_url=request.build_absolute_uri(status_url)
        )
        if start.redirect_url:
            return redirect(start.redirect_url)
    return redirect(status_url)


def _viewable(request: HttpRequest, reference: str) -> Order:
    found = selectors.order_viewable(
        reference=reference,
        identity=auth.current(request),
        placed=request.session.get(PLACED, {}).values(),
    )
    if found is None:
        raise Http404
    return found


def order_status(request: HttpRequest, reference: str) -> HttpResponse:
    found = _viewable(request, reference)
    return page(
        request,
        "order_status.html",
        {
            "order": found,
            "events": list(found.events.all()),
            "centre": centres().get(found.centre),
            "cancellable": found.status in ordering.CANCELLABLE,
        },
    )


@require_POST
def order_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """The citizen cancels an order that has not left yet."""
    found = _viewable(request, reference)
    identity = auth.current(request)
    try:
        order_advance(
            reference=found.reference,
            to=Order.Status.CANCELLED,
            now=clock.now(),
            actor=identity.user_id if identity else "citizen",
            ip=client_ip(request),
        )
    except OrderRefused:
        notice(request, refusal("not_cancellable"))
    else:
        notice(request, _("The order has been cancelled."))
    return redirect("portal:order_status", reference=found.reference)
