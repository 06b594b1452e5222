"""The portal logs in over OpenID Connect like any relying party (decision 13), asking for
Substantial. What it keeps in the session is who logged in, when, and at which level.

A portal login ends after 15 idle minutes, and at the latest ``SEGL_PORTAL_SESSION_MINUTES``
(default 60) after the citizen logged in at segl, however busy they kept it (decision 21).
Changing the user ID needs a login from the last 5 minutes (:func:`fresh_login_required`)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from oauth2_provider.models import Application

from segl import clock
from segl.core.assurance import Level
from segl.identities.models import Identity
from segl.oidc.client import OidcClient
from segl.oidc.services import RpError, rp_add

CLIENT_ID = "segl-portal"
NAME = "segl self-service"
SESSION = "portal"
PENDING = "portal_pending"
IDLE_SECONDS = 15 * 60
FRESH_SECONDS = 5 * 60
LEVEL = Level.SUBSTANTIAL


def _now() -> int:
    return int(clock.now().timestamp())


def lifetime_seconds() -> int:
    """How long after the login at segl a portal login ends, however busy it was kept."""
    return int(settings.CONFIG.portal_session_minutes) * 60


def client_secret() -> str:
    """Derived from the secret key, so a deployment has one secret fewer to keep."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"segl portal client secret", hashlib.sha256).hexdigest()


def redirect_uri() -> str:
    return settings.CONFIG.base_url.rstrip("/") + reverse("portal:callback")


def ensure_registered() -> None:
    """The portal registers itself as an RP the first time it is used, and brings its
    registration up to date when the address it answers on or the secret key has changed."""
    app = Application.objects.filter(client_id=CLIENT_ID).first()
    if app is None:
        # Another request may register it at the same moment; then that registration stands.
        with contextlib.suppress(RpError, IntegrityError):
            rp_add(
                name=NAME,
                client_id=CLIENT_ID,
                client_secret=client_secret(),
                redirect_uris=[redirect_uri()],
                actor="portal",
            )
        return
    if app.redirect_uris != redirect_uri() or not check_password(
        client_secret(), app.client_secret
    ):
        app.redirect_uris = redirect_uri()
        app.client_secret = client_secret()  # hashed when saved
        app.save(update_fields=["redirect_uris", "client_secret"])


def client() -> OidcClient:
    """The portal's handle on its OIDC client; discovery and keys are shared between logins."""
    return OidcClient(
        issuer=settings.CONFIG.issuer,
        client_id=CLIENT_ID,
        client_secret=client_secret(),
        redirect_uri=redirect_uri(),
    )


def safe_next(request: HttpRequest, target: str | None) -> str:
    home = reverse("portal:home")
    if (
        target
        and target.startswith(home)
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return home


def sign_in(request: HttpRequest, claims: dict[str, Any]) -> Identity | None:
    """Keep the verified login in a new session; None if it is not good enough here."""
    level = Level.from_uri(str(claims.get("acr", "")))
    if level is None or level < LEVEL:
        return None
    try:
        identity = Identity.objects.filter(pk=uuid.UUID(str(claims.get("sub")))).first()
    except ValueError:
        return None
    if identity is None or not identity.is_active:
        return None
    request.session.cycle_key()  # a new session for the logged-in citizen
    now = _now()
    request.session[SESSION] = {
        "identity": str(identity.pk),
        # Never later than now: the session's lifetime and freshness count from it.
        "auth_time": min(int(claims.get("auth_time", now)), now),
        "acr": level.key,
        "seen": now,
        "epoch": identity.session_epoch,
    }
    request.identity = identity  # type: ignore[attr-defined]
    return identity


def end_other_logins(request: HttpRequest, identity: Identity) -> None:
    """After a security change (password, user ID, something lost or misused): every other
    portal login of this identity ends; this one goes on."""
    Identity.objects.filter(pk=identity.pk).update(session_epoch=F("session_epoch") + 1)
    identity.refresh_from_db(fields=["session_epoch"])
    data = request.session.get(SESSION)
    if isinstance(data, dict):
        data["epoch"] = identity.session_epoch
        request.session.modified = True


def sign_out(request: HttpRequest) -> None:
    request.session.flush()
    request.identity = None  # type: ignore[attr-defined]


def current(request: HttpRequest) -> Identity | None:
    """The logged-in identity, if the login is still good (active, not idle too long, not past
    its lifetime, not ended by a security change); looked up once per request."""
    if not hasattr(request, "identity"):
        request.identity = _check(request)  # type: ignore[attr-defined]
    identity: Identity | None = request.identity  # type: ignore[attr-defined]
    return identity


def _check(request: HttpRequest) -> Identity | None:
    data = request.session.get(SESSION)
    if not isinstance(data, dict):
        return None
    now = _now()
    idle, age = now - int(data.get("seen", 0)), now - int(data.get("auth_time", 0))
    if idle > IDLE_SECONDS or age > lifetime_seconds():
        request.session.pop(SESSION, None)
        return None
    identity = Identity.objects.select_related("person").filter(pk=data["identity"]).first()
    if identity is None or not identity.is_active or data.get("epoch") != identity.session_epoch:
        request.session.pop(SESSION, None)
        return None
    if now - int(data["seen"]) > 30:
        data["seen"] = now
        request.session.modified = True
    return identity


def fresh(request: HttpRequest) -> bool:
    """Logged in within the last few minutes: enough to change the password without the old one."""
    data = request.session.get(SESSION) or {}
    return _now() - int(data.get("auth_time", 0)) <= FRESH_SECONDS


def login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if current(request) is None:
            return redirect(
                reverse("portal:home") + "?" + urlencode({"next": request.get_full_path()})
            )
        return view(request, *args, **kwargs)

    return wrapper


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
