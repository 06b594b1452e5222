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

A request crosses between the event loop and its thread once each way (decision 40): the
body is read on the loop (at most ``MAX_BODY`` bytes, else 413), the thread runs Django and
returns the whole answer, and the loop sends it. Only a streamed answer (a file) is sent
piece by piece from its thread. Each hand-over wakes the other side through the loop's pipe;
a bridge that handed every message over on its own (a2wsgi) cost about 0.3 ms a request.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from a2wsgi.wsgi import build_environ
from asgiref.sync import iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.urls import Resolver404, resolve

from segl.database import RETRY_AFTER_SECONDS

Scope = dict[str, Any]
# The largest request body taken: above the largest segl accepts (an identity document's chip
# and face, 1.5 MB; the desk's chip file, 512 KiB), far below what would strain memory.
MAX_BODY: Final = 8 * 1024 * 1024


def _page(title: str, danish: str, english: str) -> bytes:
    return (
        "<!doctype html>\n"
        '<html lang="da"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body>{danish}{english}</body></html>\n"
    ).encode()


# Answers given before Django: HTML for a browser, JSON for anything else.
_REFUSALS: Final = {
    503: (
        _page(
            "segl har travlt / segl is busy",
            "<h1>segl har meget travlt lige nu</h1><p>Intet blev ændret. Prøv igen om lidt.</p>",
            '<h2 lang="en">segl is very busy right now</h2>'
            '<p lang="en">Nothing was changed. Please try again in a moment.</p>',
        ),
        b'{"error": "temporarily_unavailable", "retry_after": %d}' % RETRY_AFTER_SECONDS,
    ),
    413: (
        _page(
            "For meget data / Too much data",
            "<h1>Der blev sendt for meget data</h1><p>Intet blev ændret. Send en mindre fil.</p>",
            '<h2 lang="en">Too much data was sent</h2>'
            '<p lang="en">Nothing was changed. Send a smaller file.</p>',
        ),
        b'{"error": "request_too_large"}',
    ),
}


class Application:
    """segl's ASGI application: long-polls to Django's ASGI handler, every other request to
    Django's WSGI handler on a fixed set of threads."""

    def __init__(self, *, threads: int, queue: int) -> None:
        self.long_polls = ASGIHandler()
        self.handler = WSGIHandler()
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="segl-view")
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
            await _refuse(scope, send, 503)
            return
        body = await _body(receive)
        if body is _TOO_LARGE:
            await _refuse(scope, send, 413)
            return
        if body is _GONE:  # the client left before it had sent its request: no one to answer
            return
        self.in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            environ: Any = build_environ(scope, io.BytesIO(body))  # type: ignore[arg-type]
            # A copy of the loop's context for each request, as for a task: nothing one request
            # sets in a context variable is seen by the next on the same thread.
            run = contextvars.copy_context().run
            answer = await loop.run_in_executor(
                self.pool, lambda: run(self._respond, environ, loop, send)
            )
            if answer is not None:
                start, content = answer
                await send(start)
                await send({"type": "http.response.body", "body": content})
        finally:
            self.in_flight -= 1

    def _respond(
        self, environ: dict[str, Any], loop: asyncio.AbstractEventLoop, send: Any
    ) -> tuple[dict[str, Any], bytes] | None:
        """On a view's thread: Django's answer, whole; or, for a streamed one, sent from here
        piece by piece (each waits until the loop has taken it) and None."""
        started: list[Any] = []
        written: list[bytes] = []  # WSGI's write(), which Django does not use, before the body

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started[:] = [status, headers]
            return written.append

        response = self.handler(environ, start_response)
        try:
            status, headers = started
            start = {
                "type": "http.response.start",
                "status": int(status.split(" ", 1)[0]),
                "headers": [
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in headers
                ],
            }
            if not getattr(response, "streaming", False):
                return start, b"".join([*written, *response])

            def to_loop(message: dict[str, Any]) -> None:
                asyncio.run_coroutine_threadsafe(send(message), loop).result()

            to_loop(start)
            for chunk in itertools.chain(written, response):
                to_loop({"type": "http.response.body", "body": chunk, "more_body": True})
            to_loop({"type": "http.response.body", "body": b""})
            return None
        finally:
            response.close()  # Django's request_finished: the connection goes back to the pool


_TOO_LARGE, _GONE = object(), object()


async def _body(receive: Any) -> Any:
    """The request's body, read on the loop: its bytes, ``_TOO_LARGE`` if it would be more than
    ``MAX_BODY``, or ``_GONE`` if the client disconnected before the end of it."""
    parts: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return _GONE
        part = message.get("body", b"")
        size += len(part)
        if size > MAX_BODY:
            return _TOO_LARGE
        parts.append(part)
        more = message.get("more_body", False)
    return b"".join(parts)


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


async def _refuse(scope: Scope, send: Any, status: int) -> None:
    """503 (busy, with ``Retry-After``) or 413 (a body over ``MAX_BODY``), before Django."""
    accept = b""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            accept = value
    html = b"text/html" in accept
    body = _REFUSALS[status][0 if html else 1]
    content_type = b"text/html; charset=utf-8" if html else b"application/json"
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"content-security-policy", b"default-src 'none'"),
        (b"x-content-type-options", b"nosniff"),
    ]
    if status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    else:  # the rest of the body is not read: the connection is not kept
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
