"""The desk logs in with segl like any relying party (decision 13, :mod:`segl.oidc.own_login`),
accepting Substantial and asking for High first, and shows the level it got. A desk login is
short: 10 idle minutes, at most ``SEGL_DESK_SESSION_MINUTES`` (default 60) in all.

Every desk page names the roles it is for (:func:`staff_only`); a login without one of them at
the centre chosen gets 403, and a page with no roles named cannot be mounted (a test walks the
URL map)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from segl.centres.registry import Centre, centres
from segl.centres.staff import DESK_ROLES, roles_of
from segl.core.assurance import Level
from segl.identities.models import Identity
from segl.oidc.own_login import OwnLogin

DESK = OwnLogin(
    slug="desk",
    client_id="segl-desk",
    name="segl desk",
    home="desk:home",
    callback="desk:callback",
    level=Level.SUBSTANTIAL,
    acr_values=f"{Level.HIGH.uri} {Level.SUBSTANTIAL.uri}",
    idle_seconds=10 * 60,
    lifetime=lambda: int(settings.CONFIG.desk_session_minutes) * 60,
)
CENTRE = "desk_centre"
DESK_STAFF = tuple(sorted(DESK_ROLES))  # the roles of the desk's own pages


class Staff:
    """Who is at the desk, where, in which roles (for one request)."""

    def __init__(self, identity: Identity, centre: Centre, roles: frozenset[str]) -> None:
        self.identity = identity
        self.centre = centre
        self.roles = roles

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles

    @property
    def at_desk(self) -> bool:
        return bool(self.roles & DESK_ROLES)


def staff_of(request: HttpRequest) -> Staff | None:
    """The staff member logged in and the centre they chose (or their only one)."""
    identity = DESK.current(request)
    if identity is None:
        return None
    held = roles_of(identity)
    chosen = request.session.get(CENTRE)
    if chosen not in held and len(held) == 1:
        chosen = next(iter(held))
    if chosen not in held or chosen not in centres():
        return None
    return Staff(identity, centres()[chosen], held[chosen])


def forbidden(request: HttpRequest) -> HttpResponse:
    """403, with the way to the pages the staff member may use, if any."""
    identity = DESK.current(request)
    held = roles_of(identity) if identity else {}
    context = {
        "identity": identity,
        "centres": [centres()[c] for c in held if c in centres()],
        "staff": staff_of(request),
    }
    return render(request, "desk/forbidden.html", context, status=403)


def start_page(staff: Staff | None) -> str:
    """Where a staff member starts: the desk, or fulfilment for fulfilment staff alone."""
    if staff is not None and not staff.at_desk and "fulfilment" in staff.roles:
        return reverse("desk:fulfilment")
    return reverse("desk:home")


def staff_only(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """For a desk page: logged in at the desk, holding one of ``roles`` at the chosen centre."""
    wanted = frozenset(roles)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if DESK.current(request) is None:
                if request.method != "GET":
                    return forbidden(request)
                query = urlencode({"next": request.get_full_path()})
                return redirect(reverse("desk:login") + "?" + query)
            staff = staff_of(request)
            if staff is None or not staff.roles & wanted:
                return forbidden(request)
            request.staff = staff  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapper.desk_roles = wanted  # type: ignore[attr-defined]
        return wrapper

    return decorate


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A desk page anyone may open (logging in and out)."""
    view.desk_roles = frozenset()  # type: ignore[attr-defined]
    return view
