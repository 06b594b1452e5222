"""The portal logs in over OpenID Connect like any relying party (decision 13), asking for
Substantial. What it keeps in the session is who logged in, when, and at which level.

A portal login ends after 15 idle minutes, and at the latest ``SEGL_PORTAL_SESSION_MINUTES``
(default 60) after the citizen logged in at segl, however busy they kept it (decision 21).
Changing the user ID needs a login from the last 5 minutes (:func:`fresh_login_required`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from segl import clock
from segl.core.assurance import Level
from segl.oidc.own_login import OwnLogin

LEVEL = Level.SUBSTANTIAL
FRESH_SECONDS = 5 * 60

PORTAL = OwnLogin(
    slug="portal",
    client_id="segl-portal",
    name="segl self-service",
    home="portal:home",
    callback="portal:callback",
    level=LEVEL,
    acr_values=LEVEL.uri,
    idle_seconds=15 * 60,
    lifetime=lambda: int(settings.CONFIG.portal_session_minutes) * 60,
)

CLIENT_ID = PORTAL.client_id
SESSION = PORTAL.session_key
PENDING = PORTAL.pending_key
IDLE_SECONDS = PORTAL.idle_seconds
client_secret = PORTAL.client_secret
redirect_uri = PORTAL.redirect_uri
ensure_registered = PORTAL.ensure_registered
client = PORTAL.client
safe_next = PORTAL.safe_next
sign_in = PORTAL.sign_in
end_other_logins = PORTAL.end_other_logins
sign_out = PORTAL.sign_out
current = PORTAL.current
login_required = PORTAL.login_required


def fresh(request: HttpRequest) -> bool:
    """Logged in within the last few minutes: enough to change the password without the old one."""
    return int(clock.now().timestamp()) - PORTAL.auth_time(request) <= FRESH_SECONDS


def fresh_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a change that needs the citizen to have logged in within the last few minutes: an
    older login is asked to log in again and comes back to the page; nothing is changed."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not fresh(request):
            context = {
                "identity": current(request),
                "next": request.get_full_path(),
                "minutes": FRESH_SECONDS // 60,
            }
            status = 403 if request.method == "POST" else 200
            return render(request, "portal/log_in_again.html", context, status=status)
        return view(request, *args, **kwargs)

    return wrapper
