"""Logging in to the portal (it is an RP of segl), logging out, and the overview."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from segl import clock
from segl.centres.staff import roles_of
from segl.http import client_ip
from segl.oidc.client import OidcClientError, Pending
from segl.orders.identification import identification_recover

from .. import auth, selectors, services
from ..refusals import refusal
from .common import notice, page


def home(request: HttpRequest) -> HttpResponse:
    identity = auth.current(request)
    if identity is None:
        return page(
            request, "landing.html", {"next": auth.safe_next(request, request.GET.get("next"))}
        )
    return page(
        request,
        "overview.html",
        {
            "authenticators": selectors.authenticators_of(identity),
            "needs_backup": selectors.needs_backup(identity),
            "changes": services.pending_changes(identity),
            "orders": selectors.orders_of(identity.person),
            "staff": bool(roles_of(identity)),
        },
    )


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    auth.ensure_registered()
    try:
        url, pending = auth.client().authorization_url(acr_values=auth.PORTAL.acr_values)
    except OidcClientError:
        return page(request, "landing.html", {"error": refusal("login_unreachable")}, status=503)
    request.session[auth.PENDING] = {
        **pending.as_dict(),
        "next": auth.safe_next(request, request.POST.get("next")),
    }
    return redirect(url)


def callback(request: HttpRequest) -> HttpResponse:
    raw = request.session.pop(auth.PENDING, None)
    if not isinstance(raw, dict):
        return page(request, "landing.html", {"error": refusal("login_not_started")}, status=400)
    target = raw.pop("next", reverse("portal:home"))
    try:
        claims = auth.client().finish(pending=Pending(**raw), params=request.GET.dict())
    except OidcClientError as exc:
        cancelled = exc.error == "access_denied"
        message = refusal("login_cancelled" if cancelled else "login_failed")
        return page(request, "landing.html", {"error": message}, status=400)
    if (identity := auth.sign_in(request, claims)) is None:
        return page(request, "landing.html", {"error": refusal("login_level")}, status=403)
    identification_recover(person=identity.person, now=clock.now(), ip=client_ip(request))
    return redirect(target)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.sign_out(request)
    notice(request, _("You are logged out."))
    return redirect("portal:home")
