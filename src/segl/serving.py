"""How a segl process answers HTTP: its ASGI application (decision 38).

Django under ASGI runs each request's synchronous code in a thread started for that request,
and a thread's database connection dies with it: every request paid for a new thread, a new
database connection (SQLite) or a trip to the pool, and asgiref's hand-overs. Nearly all of
segl's views are synchronous; two are long-polls, which wait up to 25 s and must not hold a
thread while they do. So a request goes one of two ways:

- to a view written ``async def`` (a long-poll): Django's ASGI handler, as before;
- to any other view: Django's WSGI handler, on one of a fixed set of threads
  (``SEGL_SERVER_THREADS``) that live as long as the process and keep their database
  connection (on PostgreSQL they give it back to the pool between requests).

The path is resolved once per request with Django's own URL resolver, so a view's kind is read
from the code, not from a list to keep. A request that finds more than ``SEGL_SERVER_QUEUE``
others already waiting for a thread is answered 503 with ``Retry-After`` at once, before it
reaches Django: a burst beyond what the process can serve waits within bounds or is turned
away cleanly, and nothing is changed.
"""

from __future__ import annotations

from typing import Any, cast

from a2wsgi import WSGIMiddleware
from asgiref.sync import iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.urls import Resolver404, resolve

from segl.database import RETRY_AFTER_SECONDS

Scope = dict[str, Any]

_BUSY_HTML = (
    "<!doctype html>\n"
    '<html lang="da"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>segl har travlt / segl is busy</title></head><body>"
    "<h1>segl har meget travlt lige nu</h1><p>Intet blev ændret. Prøv igen om lidt.</p>"
    '<h2 lang="en">segl is very busy right now</h2>'
    '<p lang="en">Nothing was changed. Please try again in a moment.</p>'
    "</body></html>\n"
).encode()
_BUSY_JSON = (
    b'{"error": "temporarily_unavailable", "retry_after": '
    + str(RETRY_AFTER_SECONDS).encode()
    + b"}"
)


class Application:
    """segl's ASGI application: long-polls to Django's ASGI handler, every other request to
    Django's WSGI handler on a fixed set of threads."""

    def __init__(self, *, threads: int, queue: int) -> None:
        self.long_polls = ASGIHandler()
        # Django's handler returns its response, an iterable of bytes, as WSGI asks.
        self.threads = WSGIMiddleware(cast(Any, WSGIHandler()), workers=threads)
        self.queue = threads + queue  # in flight: on a thread, or waiting for one
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":  # nothing to start or stop beyond Django's own
            await _lifespan(receive, send)
            return
        if scope["type"] != "http" or _is_async_view(scope["path"]):
            await self.long_polls(scope, receive, send)
            return
        if self.in_flight >= self.queue:
            await _busy(scope, send)
            return
        self.in_flight += 1

        async def receive_coroutine() -> Any:
            # ASGI asks only for an awaitable; a2wsgi hands the body's reads to the event loop
            # as coroutines (granian's receive returns a future of its own).
            return await receive()

        try:
            await self.threads(cast(Any, scope), receive_coroutine, send)
        finally:
            self.in_flight -= 1


def _is_async_view(path: str) -> bool:
    try:
        return iscoroutinefunction(resolve(path).func)
    except Resolver404:
        return False


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _busy(scope: Scope, send: Any) -> None:
    accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value
    html = b"text/html" in accept
    body = _BUSY_HTML if html else _BUSY_JSON
    content_type = b"text/html; charset=utf-8" if html else b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"cache-control", b"no-store"),
                (b"content-security-policy", b"default-src 'none'"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
