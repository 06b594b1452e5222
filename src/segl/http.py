"""Small HTTP helpers every face shares (login pages, app API, portal, emulators): the browser
cookie, the client address, rate limits. Below the faces, so a kind or a journey may use them."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from redis import RedisError

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


# More hops than any real chain of proxies: a longer header is not walked.
MAX_HOPS = 16
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_ip(request: HttpRequest) -> str:
    """The address of the client: the direct peer, or behind trusted proxies the address the
    nearest of them saw (``SEGL_TRUSTED_PROXIES``, :func:`client_address`)."""
    return client_address(request.META)


def client_address(meta: Mapping[str, Any]) -> str:
    """:func:`client_ip` from a WSGI/ASGI environ (``request.META``, or what django-oauth-toolkit
    passes on as an oauthlib request's headers)."""
    peer = str(meta.get("REMOTE_ADDR", ""))[:64]
    trusted = settings.CONFIG.trusted_proxies
    if not trusted:
        return peer
    return forwarded_client(peer, str(meta.get("HTTP_X_FORWARDED_FOR", "")), trusted)


def peer_is_trusted(meta: Mapping[str, Any]) -> bool:
    """Whether the direct peer is one of ``SEGL_TRUSTED_PROXIES``."""
    trusted = settings.CONFIG.trusted_proxies
    if not trusted:
        return False
    peer = _address(str(meta.get("REMOTE_ADDR", "")))
    return peer is not None and _in(peer, tuple(trusted))


def forwarded_client(peer: str, forwarded_for: str, trusted: Iterable[Any]) -> str:
    """The client behind ``peer``: X-Forwarded-For walked from the right while each hop is a
    trusted proxy; the first hop that is not one is the client.

    Only the right end of the header was written by proxies segl trusts; whatever a client
    sent itself stands further left and is never reached while a trusted proxy appended after
    it. A hop that is not an address (garbage, ``unknown``, an overlong header) stops the walk
    at the last address a trusted proxy vouched for, which cannot be chosen by the client.
    """
    networks = tuple(trusted)
    current = _address(peer)
    if current is None or not _in(current, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",")] if forwarded_for.strip() else []
    if len(hops) > MAX_HOPS:
        return str(current)
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return str(current)
        current = address
        if not _in(current, networks):
            return str(current)
    return str(current)  # every hop a proxy of ours: the leftmost is as far as is known


def _address(text: str) -> Address | None:
    """An address as proxies write it: ``192.0.2.1``, ``2001:db8::1``, ``[2001:db8::1]:443``
    or ``192.0.2.1:443``; ``None`` for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _in(address: Address, networks: tuple[Any, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def hit(key: str, limit: int, window: int = 60) -> bool:
    """Count one request against ``key``; True once more than ``limit`` came in the window.

    A fixed window in the shared cache (Redis in production), so every node counts together.
    While Redis cannot be reached the count is kept in the database instead, shared by the
    nodes all the same (segl.limits): slower, never unlimited, never a server error.
    """
    cache_key = f"rl:{key}"
    if time.monotonic() >= _cache_down_until[0]:
        try:
            return _cache_count(cache_key, window) > limit
        except (RedisError, OSError) as exc:
            _cache_away(exc)
    from segl import clock
    from segl.limits.store import count_in_database

    return count_in_database(cache_key, window, clock.now()) > limit


def _cache_count(cache_key: str, window: int) -> int:
    if cache.add(cache_key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window)
        return 1


_cache_warned = [0.0]
# Once Redis failed, it is tried again only after a few seconds: meanwhile no request waits
# for its timeout first.
_cache_down_until = [0.0]
CACHE_RETRY_SECONDS = 5


def _cache_away(exc: BaseException) -> None:
    now = time.monotonic()
    _cache_down_until[0] = now + CACHE_RETRY_SECONDS
    if now - _cache_warned[0] > 60:  # once a minute is enough to be noticed
        _cache_warned[0] = now
        logging.getLogger(__name__).warning(
            "rate limits: Redis unreachable (%s); counting in the database", exc
        )


def rate_limited(request: HttpRequest, scope: str) -> bool:
    return hit(f"ip:{scope}:{client_ip(request)}", settings.CONFIG.rate_limit_ip_per_minute)


def user_rate_limited(user_id: str) -> bool:
    # Hashed: a user ID is the citizen's own text, and keys should be short and plain.
    digest = hashlib.sha256(user_id.strip().casefold().encode()).hexdigest()[:32]
    return hit(f"user:{digest}", settings.CONFIG.rate_limit_user_per_minute)
