"""Logging in to the desk with segl, choosing the centre, logging out."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from segl.centres.display import display_end
from segl.centres.registry import centres
from segl.centres.staff import roles_of
from segl.oidc.client import OidcClientError, Pending

from ..auth import CENTRE, DESK, public, staff_of, start_page
from .common import notice, page


@public
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    target = DESK.safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if request.method == "GET":
        return page(request, "login.html", {"next": target})
    DESK.ensure_registered()
    try:
        url, pending = DESK.client().authorization_url(acr_values=DESK.acr_values)
    except OidcClientError:
        error = _("segl's login cannot be reached just now. Try again in a moment.")
        return page(request, "login.html", {"error": error, "next": target}, status=503)
    request.session[DESK.pending_key] = {**pending.as_dict(), "next": target}
    return redirect(url)


@public
def callback(request: HttpRequest) -> HttpResponse:
    raw = request.session.pop(DESK.pending_key, None)
    if not isinstance(raw, dict):
        error = _("The login was not started here. Log in again.")
        return page(request, "login.html", {"error": error}, status=400)
    target = raw.pop("next", reverse("desk:home"))
    try:
        claims = DESK.client().finish(pending=Pending(**raw), params=request.GET.dict())
    except OidcClientError:
        error = _("The login did not finish. Log in again.")
        return page(request, "login.html", {"error": error}, status=400)
    if DESK.sign_in(request, claims) is None:
        error = _("The desk needs a login at level Substantial or High. Log in again.")
        return page(request, "login.html", {"error": error}, status=403)
    if target == reverse("desk:home"):
        target = start_page(staff_of(request))
    return redirect(target)


@public
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    identity = DESK.current(request)
    if identity is not None:
        display_end(identity)  # the customer display forgets what it showed
    DESK.sign_out(request)
    notice(request, _("You are logged out of the desk."))
    return redirect("desk:login")


@public
@require_http_methods(["GET", "POST"])
def centre(request: HttpRequest) -> HttpResponse:
    """Staff of more than one centre say where they are working today."""
    identity = DESK.current(request)
    if identity is None:
        return redirect(reverse("desk:login"))
    held = [centres()[c] for c in sorted(roles_of(identity)) if c in centres()]
    if request.method == "POST" and request.POST.get("centre") in {c.id for c in held}:
        request.session[CENTRE] = request.POST["centre"]
        return redirect("desk:home")
    return page(request, "centre.html", {"centres": held}, status=200 if held else 403)
