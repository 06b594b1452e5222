"""PostgreSQL restarted under load (decision 38): the requests it cuts get 503 with Retry-After,
never a 500; a retry works as soon as the server is back; nothing is half-written (the audit
chain verifies). On a PostgreSQL server of the test's own (tests/private_postgres.py)."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import psycopg

from bench import burst
from tests.private_postgres import private_postgres

PORT = int(os.environ["SEGL_TEST_PORT"])


def test_a_restart_under_load_gives_503s_not_500s_and_a_retry_works(tmp_path):
    with private_postgres(PORT + 40) as postgres:
        database_url = burst.fresh_database(postgres.url, "segl")
        site = burst.prepare_site(
            tmp_path / "site",
            database_url=database_url,
            redis_url="",
            port=burst.free_port(range(PORT + 41, PORT + 45)),
        )
        # A short wait for a connection: while the server is away, a request is told so soon.
        server = burst.start_server(site, workers=1, settings={"SEGL_DB_POOL_TIMEOUT": "2"})
        statuses: Counter[int] = Counter()
        retry_after: Counter[str] = Counter()
        failures: list[str] = []
        stop = threading.Event()

        def load() -> None:
            # New logins and user IDs posted, over and over: each writes to the database.
            while not stop.is_set():
                browser = burst.Browser(server)
                try:
                    answer = browser.get(burst.authorize_path(server))
                    if answer.status == 302:
                        path = answer.headers["Location"].split("localhost", 1)[-1]
                        path = "/" + path.split("/", 3)[-1] if "://" in path else path
                        page = browser.get(path)
                        statuses[page.status] += 1
                    statuses[answer.status] += 1
                    if answer.status == 503:
                        retry_after[answer.headers.get("Retry-After", "")] += 1
                except Exception as exc:  # the server must answer every request
                    failures.append(f"{type(exc).__name__}: {exc}")

        try:
            threads = [threading.Thread(target=load) for _ in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(1.5)
            # One login is held inside its transaction (waiting for a lock this test holds) when
            # the server goes: its query is cut for certain, and it must be told so.
            lock = psycopg.connect(database_url)
            lock.execute("LOCK TABLE flows_flow IN ACCESS EXCLUSIVE MODE")
            holder, held = burst.login_held_by_lock(server, lock)
            started_before = postgres.started_at()
            served_before = sum(statuses.values())
            postgres.restart()  # every connection cut, in flight or pooled
            holder.join(timeout=30)
            lock.close()
            served_across = sum(statuses.values())
            time.sleep(1.5)
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            # Once the server is back, a login starts and goes on as if nothing happened.
            login = burst.open_login(server)
            after = login.browser.post(
                login.path,
                {"csrfmiddlewaretoken": login.csrf, "step": "user_id", "user_id": "nobody-x"},
            )
            log = server.log_tail(2000)
        finally:
            server.stop()
        verified = site.run([*site.command, "audit", "verify"], what="segl audit verify")
        started_after = postgres.started_at()
    # The server did restart, and the load went on across it and after it.
    assert started_after > started_before
    assert 0 < served_before <= served_across < sum(statuses.values())
    assert failures == [], failures
    assert statuses[500] == 0, (statuses, log)
    # The request the restart cut is told so: 503, try again in 5 s. Others that found no
    # connection in time are told the same; one that waited for the pool until the server was
    # back is simply served.
    assert [a.status for a in held] == [503], [a.body[:200] for a in held]
    assert held[0].headers["Retry-After"] == "5"
    assert set(retry_after) <= {"5"}, retry_after
    assert set(statuses) <= {200, 302, 503}, statuses
    assert after.status == 302
    assert "Traceback" not in log
    assert "chains intact" in verified, verified  # and it exited 0
