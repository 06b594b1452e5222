"""A node killed with SIGKILL while the app's approval is in flight (decision 38, "Faults and
recovery").

Three segl nodes behind HAProxy (deploy/cluster.py) on PostgreSQL and a Redis of this module's
own. The app's answer is held inside its transaction on one node (it waits for a row lock this
test holds on the app's request, with the login's flow and identity already locked) when that
node is killed: nothing it did is kept, the app sends its answer again through HAProxy, and it
is counted once. The node holding the browser's long-poll is killed while the app approves:
the browser's next poll, on another node, sees the approval. Each login finishes once; a
second finish, a replayed answer or a second redemption is refused with a 4xx, never a 500.

These need PostgreSQL (``DATABASE_URL``'s server or 127.0.0.1:5432), Debian's HAProxy and
redis-server; without them they fail, loudly.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from bench import bench_http, burst
from deploy import cluster as make_cluster
from segl.app.emulator import AppError
from tests import app_cluster, clusters
from tests.private_redis import private_redis

PORT = int(os.environ["SEGL_TEST_PORT"]) + 80  # Redis; HAProxy + 1, the nodes + 2 to + 4
NODES = (PORT + 2, PORT + 3, PORT + 4)


@dataclass
class Site:
    cluster: make_cluster.Cluster
    database_url: str
    people: app_cluster.AppPeople

    def node(self, n: int) -> Any:
        """Node ``n`` (1 to 3): its process."""
        return self.cluster.processes[n]

    def kill(self, n: int) -> None:
        self.node(n).kill()  # SIGKILL: no goodbye
        self.node(n).wait(timeout=10)

    def direct(self, n: int) -> burst.Server:
        return app_cluster.server_at(NODES[n - 1], self.node(n))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("app-faults")
    with (
        private_redis(workdir / "redis", PORT) as redis_server,
        clusters.running(
            workdir / "cluster",
            f"segl_app_faults_{PORT}",
            nodes=3,
            workers=1,
            port=PORT + 1,
            node_port=NODES[0],
            redis_url=redis_server.url,
            settings={"SEGL_RATE_LIMIT_IP": "1000"},
        ) as cluster,
    ):
        assert cluster.env is not None
        people = app_cluster.make_app_people(cluster, PORT + 1, 2, workdir / "app.json")
        yield Site(cluster=cluster, database_url=cluster.env["DATABASE_URL"], people=people)
        verified = app_cluster.segl(cluster, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr


class Sent:
    """An app call in a thread of its own: its answer or the error that ended it."""

    def __init__(self, call: Any) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Any) -> None:
        try:
            self.result = call()
        except (AppError, OSError) as exc:
            self.error = exc

    def join(self) -> None:
        self.thread.join(40)
        assert not self.thread.is_alive(), "the app's call did not end"


def _send_answer(emulator: Any, user_id: str, request_id: str, signed: str) -> Sent:
    """The app's answer, the very approval it signed, sent (again) as the app does: with a DPoP
    proof of its own each time."""
    key = emulator.registration(user_id).key
    return Sent(
        lambda: emulator.call(
            "POST", f"requests/{request_id}/answer", {"approval": signed}, key=key
        )["status"]
    )


def _hold_request_row(site: Site, request_id: str) -> psycopg.Connection[Any]:
    """A transaction that holds the row lock on the app's request: the answer takes the flow's
    and the identity's locks first, then waits here, inside its transaction."""
    lock = psycopg.connect(site.database_url)
    row = lock.execute(
        "SELECT status FROM app_apprequest WHERE id = %s FOR UPDATE", (request_id,)
    ).fetchone()
    assert row == ("bound",), row
    return lock


def _waiting(watch: psycopg.Connection[Any], *, besides: tuple[int, ...] = ()) -> list[int]:
    """The backends waiting for a lock now, other than ``besides``."""
    rows = watch.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND cardinality(pg_blocking_pids(pid)) > 0"
    ).fetchall()
    return [pid for (pid,) in rows if pid not in besides]


def _locked_tables(watch: psycopg.Connection[Any], pids: list[int]) -> set[str]:
    """The tables whose rows backends ``pids`` have locked (``SELECT … FOR UPDATE``)."""
    rows = watch.execute(
        "SELECT relation::regclass::text FROM pg_locks WHERE pid = ANY(%s) AND granted "
        "AND locktype = 'relation' AND mode = 'RowShareLock'",
        (pids,),
    ).fetchall()
    return {name for (name,) in rows}


def _until(condition: Any, what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.02)
    return found


def _count(site: Site, flow: str, action: str, outcome: str | None = None) -> int:
    with psycopg.connect(site.database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM audit_auditevent WHERE action = %s AND data->>'flow' = %s "
            "AND (%s::text IS NULL OR outcome = %s)",
            (action, flow, outcome, outcome),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _finishes_once(site: Site, login: bench_http.Login) -> None:
    """One approval, one ``flow.done``, one authorization code; a second finish and a second
    redemption are refused cleanly."""
    flow = app_cluster.flow_id(login)
    with psycopg.connect(site.database_url) as conn:
        rows = conn.execute(
            "SELECT status FROM app_apprequest WHERE flow_id = %s", (flow,)
        ).fetchall()
    assert rows == [("approved",)]
    assert _count(site, flow, "app.answer", "approve") == 1
    assert _count(site, flow, "flow.done") == 1
    people = site.people
    bench_http._finish(login)
    again = login.browser.get(f"/o/finish/{flow}/")
    assert again.status == 410, again.body[:300]
    assert _count(site, flow, "oidc.code") == 1
    bench_http._token(people.target, login)
    with pytest.raises(burst.BurstError, match="token: 400"):
        bench_http._token(people.target, login)


def test_an_answer_cut_off_inside_its_transaction_by_a_kill_counts_once_when_sent_again(site):
    people = site.people
    login = app_cluster.start_login(people, people.take())
    through_haproxy = app_cluster.app(people, site.cluster)
    shown = app_cluster.bind(through_haproxy, people, login, site.database_url)
    signed = through_haproxy.sign(login.user_id, shown, "approve")
    poll = app_cluster.long_poll(login, site.direct(3))

    with psycopg.connect(site.database_url, autocommit=True) as watch:
        lock = _hold_request_row(site, shown["request"])
        on_node1 = app_cluster.app(people, site.cluster, NODES[0])
        first = _send_answer(on_node1, login.user_id, shown["request"], signed)
        held = _until(lambda: _waiting(watch), "the answer never waited inside its transaction")
        # Inside its transaction: the login's flow and the identity are locked already.
        assert _locked_tables(watch, held) >= {"flows_flow", "identities_identity"}
        site.kill(1)
        first.join()
        assert isinstance(first.error, ConnectionError), first.error

        # Sent again, through HAProxy to a node left; it waits for the killed node's
        # transaction (its backend still holds the flow's lock) or for this test's lock.
        retry = _send_answer(through_haproxy, login.user_id, shown["request"], signed)
        _until(lambda: _waiting(watch, besides=tuple(held)), "the answer sent again never waited")
        lock.rollback()
        lock.close()
        retry.join()
        assert retry.error is None and retry.result == "approved", retry.error
        # The killed node's transaction ended without a commit: its backend is gone.
        _until(
            lambda: (
                not watch.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (held,)
                ).fetchone()
            ),
            "the killed node's backend stayed",
        )

    poll.join()
    assert poll.answer is not None, poll.error
    assert json.loads(poll.answer.body)["state"] == "done"
    # The same approval a third time, after it counted: refused as answered.
    replayed = _send_answer(through_haproxy, login.user_id, shown["request"], signed)
    replayed.join()
    assert isinstance(replayed.error, AppError), replayed.error
    assert (replayed.error.status, replayed.error.reason) == (409, "request_answered")
    _finishes_once(site, login)


def test_the_browser_sees_the_approval_on_another_node_when_its_long_polls_node_is_killed(site):
    people = site.people
    login = app_cluster.start_login(people, people.take())
    through_haproxy = app_cluster.app(people, site.cluster)
    shown = app_cluster.bind(through_haproxy, people, login, site.database_url)
    poll = app_cluster.long_poll(login, site.direct(2))

    with psycopg.connect(site.database_url, autocommit=True) as watch:
        # The approval is in flight on node 3 when node 2, the long-poll's, is killed.
        lock = _hold_request_row(site, shown["request"])
        on_node3 = app_cluster.app(people, site.cluster, NODES[2])
        signed = on_node3.sign(login.user_id, shown, "approve")
        answer = _send_answer(on_node3, login.user_id, shown["request"], signed)
        _until(lambda: _waiting(watch), "the answer never waited inside its transaction")
        site.kill(2)
        poll.join()
        assert poll.answer is None and poll.error is not None, "the long-poll was cut off"
        # The page polls again, through HAProxy: a node left takes it, and it waits there.
        again = app_cluster.long_poll(login, people.target.server)
        lock.rollback()
        lock.close()
        answer.join()
        assert answer.error is None and answer.result == "approved", answer.error

    again.join()
    assert again.answer is not None, again.error
    assert again.answer.status == 200, again.answer.body
    assert json.loads(again.answer.body)["state"] == "done"
    assert again.answer.headers["X-Segl-Node"] in ("node1", "node3")
    _finishes_once(site, login)
