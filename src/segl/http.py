"""Small HTTP helpers every face shares (login pages, app API, portal, emulators): the browser
cookie, the client address, rate limits. Below the faces, so a kind or a journey may use them."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

BROWSER_COOKIE = "segl_browser"
_BROWSER_SALT = "segl.web.browser"
YEAR = 365 * 24 * 3600


def cookie_name(name: str) -> str:
    """``name`` with the ``__Host-`` prefix when segl is served over https: a browser keeps
    such a cookie only if this very host set it, Secure, for the whole site and with no
    Domain, so a sibling or parent domain cannot plant one (RFC 6265bis §4.1.3.2). Over plain
    http (development on localhost) browsers refuse the prefix, so the name is plain there."""
    return f"__Host-{name}" if settings.SECURE else name


def set_site_cookie(response: HttpResponse, name: str, value: str) -> None:
    """A cookie of segl's own, for a year: HttpOnly, SameSite=Lax, Secure and prefixed over
    https."""
    response.set_cookie(
        cookie_name(name),
        value,
        max_age=YEAR,
        path="/",
        secure=settings.SECURE,
        httponly=True,
        samesite="Lax",
    )


def new_browser_key() -> str:
    """A fresh browser key, signed, so that only keys segl issued are ever honoured."""
    return signing.Signer(salt=_BROWSER_SALT).sign(secrets.token_urlsafe(32))


def browser_key(request: HttpRequest) -> str:
    """The key that binds login flows to this browser, if segl issued it; else "".

    A value someone else chose (planted by another site, typed into the browser) fails the
    signature and is never honoured: the flows of this browser are bound to a new key.
    """
    value = request.COOKIES.get(cookie_name(BROWSER_COOKIE), "")
    if not value:
        return ""
    try:
        signing.Signer(salt=_BROWSER_SALT).unsign(value)
    except signing.BadSignature:
        return ""
    return value


def set_browser_cookie(response: HttpResponse, key: str) -> None:
    """The signed random key that binds a login flow to the browser that started it."""
    set_site_cookie(response, BROWSER_COOKIE, key)


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def hit(key: str, limit: int, window: int = 60) -> bool:
    """Count one request against ``key``; True once more than ``limit`` came in the window.

    A fixed window in the shared cache (Redis in production), so every node counts together.
    """
    cache_key = f"rl:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return False
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return False
    return count > limit


def rate_limited(request: HttpRequest, scope: str) -> bool:
    return hit(f"ip:{scope}:{client_ip(request)}", settings.CONFIG.rate_limit_ip_per_minute)


def user_rate_limited(user_id: str) -> bool:
    # Hashed: a user ID is the citizen's own text, and keys should be short and plain.
    digest = hashlib.sha256(user_id.strip().casefold().encode()).hexdigest()[:32]
    return hit(f"user:{digest}", settings.CONFIG.rate_limit_user_per_minute)
