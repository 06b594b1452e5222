"""Waking the long-polls of this process at once when what they wait for changes.

A browser waits for the app's answer, and an app waits for a login, on long-polls that look
in the database every 100 ms: that works across any number of nodes. Within one process this
doorbell wakes them sooner: a service rings a key once its transaction commits, and a waiting
long-poll that sees its key rung looks in the database right away. Each look (:func:`look`)
gives its database connection back to the pool, so a waiting long-poll holds none.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
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


def _ring_now(key: str) -> None:
    with _lock:
        _rings[key] = _rings.pop(key, 0) + 1
        while len(_rings) > _KEEP:
            _rings.popitem(last=False)


def ring(*keys: str) -> None:
    """Ring ``keys`` when the current transaction commits (at once outside one)."""
    for key in keys:
        transaction.on_commit(functools.partial(_ring_now, key))


async def wait(key: str, seen: int, *, longest: float = 0.1, step: float = 0.02) -> int:
    """Sleep until ``key`` is rung past ``seen`` or ``longest`` seconds pass; the new count."""
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
