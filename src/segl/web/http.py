"""Small HTTP helpers shared by the views: the browser cookie, client address, rate limits."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

BROWSER_COOKIE = "segl_browser"


def set_browser_cookie(response: HttpResponse, key: str) -> None:
    """The random key that binds a login flow to the browser that started it."""
    response.set_cookie(
        BROWSER_COOKIE,
        key,
        max_age=365 * 24 * 3600,
        secure=settings.SECURE,
        httponly=True,
        samesite="Lax",
    )


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
