"""segl's own faces (the self-service portal, the desk at a citizen service centre) log in over
OpenID Connect like any relying party (decision 13). One :class:`OwnLogin` per face: its client,
the session key its login is kept under, the level it asks for, and how long a login lasts.

A login ends after ``idle_seconds`` without a request, at the latest ``lifetime()`` seconds after
the person logged in at segl however busy they kept it (decision 21), and at once when a
security change raises the identity's session epoch."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from oauth2_provider.models import Application

from segl import clock
from segl.core.assurance import Level
from segl.identities.models import Identity

from .client import OidcClient
from .services import RpError, rp_add


def _now() -> int:
    return int(clock.now().timestamp())


@dataclass(frozen=True)
class OwnLogin:
    slug: str  # "portal", "desk": the session key and the client secret's derivation
    client_id: str
    name: str
    home: str  # the face's home page (a URL name); only addresses under it are followed
    callback: str  # the URL name the login comes back to
    level: Level  # the lowest level accepted
    acr_values: str  # what is asked for: the levels accepted, best first
    idle_seconds: int
    lifetime: Callable[[], int]  # seconds after the login at segl

    @property
    def session_key(self) -> str:
        return self.slug

    @property
    def pending_key(self) -> str:
        return f"{self.slug}_pending"

    @property
    def _cached(self) -> str:
        return f"_{self.slug}_identity"

    def client_secret(self) -> str:
        """Derived from the secret key, so a deployment has one secret fewer to keep."""
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, f"segl {self.slug} client secret".encode(), hashlib.sha256).hexdigest()

    def redirect_uri(self) -> str:
        return settings.CONFIG.base_url.rstrip("/") + reverse(self.callback)

    def ensure_registered(self) -> None:
        """Register as an RP the first time it is used; bring the registration up to date when
        the address it answers on or the secret key has changed."""
        app = Application.objects.filter(client_id=self.client_id).first()
        if app is None:
            # Another request may register it at the same moment; then that registration stands.
            with contextlib.suppress(RpError, IntegrityError):
                rp_add(
                    name=self.name,
                    client_id=self.client_id,
                    client_secret=self.client_secret(),
                    redirect_uris=[self.redirect_uri()],
                    actor=self.slug,
                )
            return
        if app.redirect_uris != self.redirect_uri() or not check_password(
            self.client_secret(), app.client_secret
        ):
            app.redirect_uris = self.redirect_uri()
            app.client_secret = self.client_secret()  # hashed when saved
            app.save(update_fields=["redirect_uris", "client_secret"])

    def client(self) -> OidcClient:
        """The face's OIDC client; discovery and keys are shared between logins."""
        return OidcClient(
            issuer=settings.CONFIG.issuer,
            client_id=self.client_id,
            client_secret=self.client_secret(),
            redirect_uri=self.redirect_uri(),
        )

    def safe_next(self, request: HttpRequest, target: str | None) -> str:
        home = reverse(self.home)
        if (
            target
            and target.startswith(home)
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
        ):
            return target
        return home

    def sign_in(self, request: HttpRequest, claims: dict[str, Any]) -> Identity | None:
        """Keep the verified login in a new session; None if it is not good enough here."""
        level = Level.from_uri(str(claims.get("acr", "")))
        if level is None or level < self.level:
            return None
        try:
            identity = Identity.objects.filter(pk=uuid.UUID(str(claims.get("sub")))).first()
        except ValueError:
            return None
        if identity is None or not identity.is_active:
            return None
        request.session.cycle_key()  # a new session for the one who logged in
        now = _now()
        request.session[self.session_key] = {
            "identity": str(identity.pk),
            # Never later than now: the session's lifetime and freshness count from it.
            "auth_time": min(int(claims.get("auth_time", now)), now),
            "acr": level.key,
            "seen": now,
            "epoch": identity.session_epoch,
        }
        setattr(request, self._cached, identity)
        return identity

    def end_other_logins(self, request: HttpRequest, identity: Identity) -> None:
        """After a security change: every other login of this identity ends; this one goes on."""
        Identity.objects.filter(pk=identity.pk).update(session_epoch=F("session_epoch") + 1)
        identity.refresh_from_db(fields=["session_epoch"])
        data = request.session.get(self.session_key)
        if isinstance(data, dict):
            data["epoch"] = identity.session_epoch
            request.session.modified = True

    def sign_out(self, request: HttpRequest) -> None:
        request.session.flush()
        setattr(request, self._cached, None)

    def current(self, request: HttpRequest) -> Identity | None:
        """The logged-in identity, if the login is still good (active, not idle too long, not
        past its lifetime, not ended by a security change); looked up once per request."""
        if not hasattr(request, self._cached):
            setattr(request, self._cached, self._check(request))
        identity: Identity | None = getattr(request, self._cached)
        return identity

    def level_reached(self, request: HttpRequest) -> Level | None:
        """The level the current login reached (it may be above the lowest accepted)."""
        data = request.session.get(self.session_key) or {}
        if self.current(request) is None:
            return None
        try:
            return Level.from_key(str(data.get("acr", "")))
        except ValueError:
            return None

    def auth_time(self, request: HttpRequest) -> int:
        data = request.session.get(self.session_key) or {}
        return int(data.get("auth_time", 0))

    def _check(self, request: HttpRequest) -> Identity | None:
        data = request.session.get(self.session_key)
        if not isinstance(data, dict):
            return None
        now = _now()
        idle, age = now - int(data.get("seen", 0)), now - int(data.get("auth_time", 0))
        if idle > self.idle_seconds or age > self.lifetime():
            request.session.pop(self.session_key, None)
            return None
        identity = Identity.objects.select_related("person").filter(pk=data["identity"]).first()
        if (
            identity is None
            or not identity.is_active
            or data.get("epoch") != identity.session_epoch
        ):
            request.session.pop(self.session_key, None)
            return None
        if now - int(data["seen"]) > 30:
            data["seen"] = now
            request.session.modified = True
        return identity

    def login_required(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if self.current(request) is None:
                query = urlencode({"next": request.get_full_path()})
                return redirect(reverse(self.home) + "?" + query)
            return view(request, *args, **kwargs)

        return wrapper
