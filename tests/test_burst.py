"""PostgreSQL connections under a burst: ``segl serve --workers 2`` as a real process, 300
requests at once, never a 500; the pool bounds the connections, and a request that finds none
free in time gets 503 with Retry-After (segl.database, decision 21).

These always run on PostgreSQL: on the server ``DATABASE_URL`` names, or else on the local one
at 127.0.0.1:5432, in a database of their own. Without a PostgreSQL server they fail, loudly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from django.db import DatabaseError, OperationalError
from django.test import RequestFactory
from psycopg_pool import ConnectionPool, PoolTimeout

from bench import burst
from segl.database import RETRY_AFTER_SECONDS, is_busy
from segl.web.views import server_error

PORT = int(os.environ["SEGL_TEST_PORT"])
SIZE = 300
POOL_MAX = 8  # segl's default SEGL_DB_POOL_MAX


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A fresh database for the servers of this module; its URL."""
    server_url = burst.postgres_server(os.environ.get("DATABASE_URL"))
    try:
        database_url = burst.fresh_database(server_url, f"segl_burst_{PORT}")
    except burst.BurstError as exc:
        pytest.fail(f"these tests need PostgreSQL: {exc}")
    yield database_url
    burst.drop_database(database_url)


@pytest.fixture(scope="module")
def site(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> burst.Site:
    """``segl init``, ``migrate`` and ``demo load`` on the database, once for the module."""
    return burst.prepare_site(
        tmp_path_factory.mktemp("burst"),
        database_url=postgres,
        redis_url=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        port=burst.free_port(range(PORT + 11, PORT + 16)),
    )


def test_a_burst_of_300_against_two_workers_gets_no_500(site):
    server = burst.start_server(site, workers=2)
    try:
        result = burst.fire(server, burst.burst_requests(server, SIZE))
        # The requests after a burst are served as before it (a connection held per request
        # thread once made every later request fail).
        after = burst.fire(server, burst.burst_requests(server, 40))
    finally:
        server.stop()
    assert after.failures == [] and set(after.statuses) <= {200, 302, 404}, after.statuses
    assert result.failures == [], server.log_tail()
    assert sum(result.statuses.values()) == SIZE
    assert result.statuses[500] == 0, (result.statuses, server.log_tail())
    assert set(result.statuses) <= burst.EXPECTED, result.statuses
    assert result.retry_after_missing == 0
    # The pool held the line: two workers, at most POOL_MAX connections each.
    assert 0 < result.peak_connections <= 2 * POOL_MAX, result.peak_connections
    # And the burst was served, not turned away: each kind of page answered as itself.
    assert result.by_kind["authorize"][302] >= SIZE // 8
    assert result.by_kind["user ID"][302] >= SIZE // 8
    assert result.by_kind["portal"][200] >= SIZE // 8
    assert result.by_kind["order status"][404] >= SIZE // 8


def test_a_request_that_finds_no_connection_in_time_gets_503_with_retry_after(site, postgres):
    # One worker with a pool of one connection, given up after a second. A login that starts
    # takes the connection and waits on a lock this test holds; the next request finds none.
    server = burst.start_server(
        site, workers=1, settings={"SEGL_DB_POOL_MAX": "1", "SEGL_DB_POOL_TIMEOUT": "1"}
    )
    try:
        with psycopg.connect(postgres) as lock:
            lock.execute("LOCK TABLE flows_flow IN ACCESS EXCLUSIVE MODE")
            thread, blocked = burst.login_held_by_lock(server, lock)
            page = burst.Browser(server).get("/portal/orders/ABCDEF/")
            api = burst.Browser(server).request(
                "GET", "/portal/orders/ABCDEF/", accept="application/json"
            )
            lock.rollback()  # the login goes on
        thread.join(timeout=30)
    finally:
        server.stop()
    assert page.status == 503 and page.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "segl har meget travlt lige nu" in page.body and "Intet blev ændret" in page.body
    assert api.status == 503 and api.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert '"error": "temporarily_unavailable"' in api.body
    assert [a.status for a in blocked] == [302]  # it waited for its connection, and got it
    assert "Traceback" not in server.log_tail(200)


def test_what_counts_as_no_connection_to_give(postgres):
    # A real pool, emptied: its next wait runs out.
    with ConnectionPool(postgres, min_size=1, max_size=1, timeout=0.2) as pool:
        with pool.connection(), pytest.raises(PoolTimeout) as timeout:
            pool.getconn()
        assert is_busy(timeout.value)
        # As Django raises it: its OperationalError, caused by the driver's.
        try:
            raise OperationalError(str(timeout.value)) from timeout.value
        except OperationalError as wrapped:
            assert is_busy(wrapped)
    # A server that has no slot left for this login (SQLSTATE 53300).
    role = f"segl_burst_full_{PORT}"
    with psycopg.connect(postgres, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
        try:
            full = postgres.replace("postgres@", f"{role}@", 1)
            with pytest.raises(psycopg.OperationalError) as refused:
                psycopg.connect(full, connect_timeout=5)
            assert is_busy(refused.value), refused.value
        finally:
            admin.execute(f"DROP ROLE {role}")
    # A server away: nothing listens (refused), or it shuts down under a session (57P01).
    with pytest.raises(psycopg.OperationalError) as away:
        psycopg.connect("postgres://postgres@127.0.0.1:9/segl", connect_timeout=5)
    assert is_busy(away.value)
    with (
        psycopg.connect(postgres, autocommit=True) as victim,
        psycopg.connect(postgres, autocommit=True) as admin,
    ):
        pid = victim.execute("SELECT pg_backend_pid()").fetchone()[0]
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError) as cut:
            victim.execute("SELECT 1")
    assert is_busy(cut.value), cut.value
    # A lock not had in time is the database answering, not away: a server error stays one.
    assert not is_busy(psycopg.errors.LockNotAvailable("could not obtain lock"))
    # Other database errors are not "busy": they stay server errors.
    assert not is_busy(DatabaseError("relation does not exist"))
    assert not is_busy(OperationalError("server closed the connection unexpectedly"))
    assert not is_busy(None)


def test_the_error_page_answers_503_for_a_busy_database_outside_a_view(postgres):
    request = RequestFactory().get("/", HTTP_ACCEPT="text/html")
    with ConnectionPool(postgres, min_size=1, max_size=1, timeout=0.1) as pool, pool.connection():
        try:
            pool.getconn()
        except PoolTimeout:
            response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert server_error(request).status_code == 500  # and a plain crash stays a 500
