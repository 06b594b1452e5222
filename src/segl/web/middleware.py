"""Every request logged and timed; security headers for every response; 503, not 500, when no
database connection is free."""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from segl.database import is_busy
from segl.http import client_ip, peer_is_trusted
from segl.logs import REQUEST_ID, request_log
from segl.metrics import LATENCY

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; "
    "require-trusted-types-for 'script'; trusted-types segl-app"
)


class RequestLogMiddleware:
    """One line on ``segl.request`` and one observation of the latency histogram a request
    (segl.logs, segl.metrics); the request id goes back in ``X-Request-ID``.

    A trusted proxy's ``X-Request-ID`` is kept, so its log and segl's name a request alike;
    anyone else's is replaced. No database, no cache: a few microseconds a request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        if not (given and _REQUEST_ID.fullmatch(given) and peer_is_trusted(request.META)):
            given = secrets.token_hex(8)
        token = REQUEST_ID.set(given)
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            match = request.resolver_match
            view = match.view_name if match is not None else "-"
            LATENCY.labels(view=view).observe(duration)
            response["X-Request-ID"] = given
            if request_log.isEnabledFor(logging.INFO):
                fields = {
                    "method": request.method,
                    # Never the query string: codes and tokens travel there.
                    "path": request.path[:512],
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "client": client_ip(request),
                    "view": view,
                }
                request_log.info("request", extra={"segl": fields})
            return response
        finally:
            REQUEST_ID.reset(token)


class ForwardedProtoMiddleware:
    """``X-Forwarded-Proto`` tells Django the client used HTTPS (``SECURE_PROXY_SSL_HEADER``),
    but only a proxy in ``SEGL_TRUSTED_PROXIES`` may say so: from anyone else it is dropped,
    as ``X-Forwarded-For`` is ignored (segl.http)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META and not peer_is_trusted(request.META):
            del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.setdefault("Cache-Control", "no-store")
        return response


class DatabaseBusyMiddleware:
    """A view that found no database connection in time answers 503 with Retry-After: the
    request had not reached the database, so nothing was changed (segl.database). A refusal
    outside a view reaches the server-error page, which answers the same way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        from segl.web.views import busy

        return busy(request)
