"""How segl holds its PostgreSQL connections: a bounded pool per process (decision 21).

Under ASGI every request runs its view in a thread of its own, and a persistent connection per
thread (``CONN_MAX_AGE``) meant one connection per request in flight: a burst of 100 requests
held every slot the server had, and the requests after it failed. Each process now keeps a pool
of at most ``SEGL_DB_POOL_MAX`` connections (psycopg's pool, which Django drives); a request
takes one when it first needs the database and gives it back when it ends. A request that finds
none free waits up to ``SEGL_DB_POOL_TIMEOUT`` seconds, and then gets ``503 Service Unavailable``
with ``Retry-After`` (:func:`is_busy`, ``segl.web.middleware.DatabaseBusyMiddleware``), never a
500: it had not touched the database yet, so nothing was changed.

Sizing: every process of every node holds up to ``SEGL_DB_POOL_MAX`` connections, so keep
``nodes * workers * SEGL_DB_POOL_MAX`` plus what the command line, cron and an administrator's
``psql`` use under the server's ``max_connections`` (less its
``superuser_reserved_connections``). With PostgreSQL's default of 100, the default of 8 leaves
room for 11 worker processes (88 connections) and a dozen more.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

if TYPE_CHECKING:
    from segl.config import Config

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["RETRY_AFTER_SECONDS", "is_busy", "pool_options", "released"]

RETRY_AFTER_SECONDS: Final = 5
# SQLSTATEs of a server with no connection to give: too_many_connections,
# configuration_limit_exceeded, cannot_connect_now (starting up or shutting down).
_BUSY_STATES: Final = frozenset({"53300", "53400", "57P03"})
# admin_shutdown, crash_shutdown: the server is going away; the next try finds it back.
_AWAY_STATES: Final = frozenset({"57P01", "57P02"})
_BUSY_TEXT: Final = (
    "too many clients",
    "too many connections",
    "remaining connection slots are reserved",
)


def pool_options(config: Config) -> dict[str, Any]:
    """The pool for Django's PostgreSQL ``OPTIONS["pool"]`` (with ``CONN_MAX_AGE`` 0: the pool
    keeps the connections, Django must not keep one per thread as well). Django checks each
    connection as the pool gives it out (``CONN_HEALTH_CHECKS``): after the server restarted,
    a request gets a live connection, not one that died with the old server."""
    return {
        "min_size": min(2, config.db_pool_max),
        "max_size": config.db_pool_max,
        "timeout": float(config.db_pool_timeout),
        "name": "segl",
    }


def is_busy(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the database had no connection to give: the
    pool's wait ran out or its queue is full, the server refused one more connection, or the
    server is away (restarting, shut down, unreachable: the connection was refused or lost).
    A transaction on a lost connection never committed, so nothing was changed."""
    seen = 0
    while exc is not None and seen < 10:  # Django wraps the driver's error once or twice
        if _is_pool_refusal(exc) or _is_server_away(exc):
            return True
        if getattr(exc, "sqlstate", None) in _BUSY_STATES:
            return True
        name = type(exc).__name__
        if name == "OperationalError" and any(t in str(exc).lower() for t in _BUSY_TEXT):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _is_server_away(exc: BaseException) -> bool:
    """psycopg's word that the server cannot be talked to: a connection error with no SQLSTATE
    (refused, closed, lost), a connection exception (class 08), or a shutdown (57P01, 57P02)."""
    try:
        import psycopg
    except ImportError:
        return False
    if not isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return False
    state = getattr(exc, "sqlstate", None)
    return state is None or state.startswith("08") or state in _AWAY_STATES


def _is_pool_refusal(exc: BaseException) -> bool:
    try:
        from psycopg_pool import PoolTimeout, TooManyRequests
    except ImportError:  # no PostgreSQL driver installed: SQLite only
        return False
    return isinstance(exc, (PoolTimeout, TooManyRequests))


def released(function: Callable[P, R]) -> Callable[P, R]:
    """``function``, giving the thread's database connection back when it returns.

    A long-poll looks at the database every 100 ms for up to 25 s; holding one pooled
    connection all that time would let a few waiting browsers empty the pool. (Inside a
    transaction, as in a test, the connection stays.)
    """
    from django.db import connection

    @wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        finally:
            if not connection.in_atomic_block:
                connection.close()  # to the pool (PostgreSQL); the thread's own (SQLite)

    return run
