"""Waking the long-polls at once when what they wait for changes, on every node.

A browser waits for the app's answer, and an app waits for a login, on long-polls that look
in the database every 100 ms: that alone works across any number of nodes. The doorbell wakes
them sooner: a service rings a key once its transaction commits, and a waiting long-poll that
sees its key rung looks in the database right away. Within a process the ring is a count in
memory; with ``REDIS_URL`` set it is also published on a Redis channel, and every process that
serves long-polls listens there (a thread of its own, started by the first long-poll), so a
swipe answered by one node wakes the browser waiting on another. Redis away, nothing fails:
the ring stays in its process and the 100 ms look finds the change (decision 38). Each look
(:func:`look`) gives its database connection back to the pool, so a waiting long-poll holds
none.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from segl.database import released

P = ParamSpec("P")
R = TypeVar("R")

_KEEP = 10_000  # rung keys remembered; a long-poll only compares counts while it waits
_rings: OrderedDict[str, int] = OrderedDict()
_lock = threading.Lock()


def count(key: str) -> int:
    with _lock:
        return _rings.get(key, 0)


def _ring_here(key: str) -> None:
    with _lock:
        _rings[key] = _rings.pop(key, 0) + 1
        while len(_rings) > _KEEP:
            _rings.popitem(last=False)


def _ring_now(key: str) -> None:
    _ring_here(key)
    _redis.publish(key)


def ring(*keys: str) -> None:
    """Ring ``keys`` when the current transaction commits (at once outside one)."""
    for key in keys:
        transaction.on_commit(functools.partial(_ring_now, key))


async def wait(key: str, seen: int, *, longest: float = 0.1, step: float = 0.02) -> int:
    """Sleep until ``key`` is rung past ``seen`` or ``longest`` seconds pass; the new count."""
    _redis.listen()
    loop = asyncio.get_running_loop()
    until = loop.time() + longest
    while loop.time() < until:
        now = count(key)
        if now != seen:
            return now
        await asyncio.sleep(step)
    return count(key)


async def look(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """One look of a long-poll in the database: ``function`` in the request's thread, its
    connection given back to the pool afterwards (decision 21)."""
    return await sync_to_async(released(function))(*args, **kwargs)


class _Redis:
    """The doorbell's Redis side: publishing this process's rings, hearing the others'."""

    channel = "segl:doorbell"

    def __init__(self) -> None:
        self.token = secrets.token_hex(4)
        self.client: Any = None
        self.down_until = 0.0  # after a failure, rings stay in the process for a few seconds
        self.listener: threading.Thread | None = None
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.warned = 0.0

    @property
    def node(self) -> str:
        """Who rang: a process hears its own rings on the channel too, and skips them (the
        process id too, for a worker forked after this module was imported)."""
        return f"{os.getpid()}-{self.token}"

    def _url(self) -> str | None:
        return settings.CONFIG.redis_url

    def publish(self, key: str) -> None:
        url = self._url()
        if not url or time.monotonic() < self.down_until:
            return
        import redis

        try:
            if self.client is None:
                self.client = redis.Redis.from_url(
                    url, socket_timeout=0.5, socket_connect_timeout=0.5
                )
            self.client.publish(self.channel, f"{self.node} {key}")
        except redis.RedisError as exc:
            self.down_until = time.monotonic() + 5  # no ring waits for Redis's timeout meanwhile
            self._warn(exc)

    def listen(self) -> None:
        """Hear the other processes' rings from now on (once per process)."""
        url = self._url()
        if not url or self.listener is not None:
            return
        with self.lock:
            if self.listener is None:
                self.stop.clear()
                self.listener = threading.Thread(
                    target=self._run, args=(url,), name="segl-doorbell", daemon=True
                )
                self.listener.start()

    def _run(self, url: str) -> None:
        import redis

        while not self.stop.is_set():
            try:
                client: Any = redis.Redis.from_url(
                    url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=5
                )
                with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    pubsub.subscribe(self.channel)
                    while not self.stop.is_set():
                        message = pubsub.get_message(timeout=1.0)
                        if message is not None:
                            self._heard(message["data"])
            except (redis.RedisError, OSError) as exc:
                self._warn(exc)
                self.stop.wait(1.0)  # Redis away: the 100 ms look carries on meanwhile

    def _heard(self, data: bytes) -> None:
        node, _, key = data.decode("utf-8", "replace").partition(" ")
        if node != self.node and key:
            _ring_here(key)

    def close(self) -> None:
        """Stop listening and forget the client (tests; a process that ends needs nothing)."""
        self.stop.set()
        if self.listener is not None:
            self.listener.join(timeout=5)
        self.listener, self.client, self.warned, self.down_until = None, None, 0.0, 0.0

    def _warn(self, exc: BaseException) -> None:
        now = time.monotonic()
        if now - self.warned > 60:  # once a minute is enough to be noticed
            self.warned = now
            _log.warning("doorbell: Redis unreachable (%s); long-polls fall back to looking", exc)


_log = logging.getLogger(__name__)
_redis = _Redis()
