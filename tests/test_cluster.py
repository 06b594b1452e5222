"""``make cluster``: two segl nodes behind HAProxy on PostgreSQL and Redis (deploy/cluster.py,
decision 38). Any node continues any login, and the rate limits count for all nodes together.

These always run on PostgreSQL and Redis (``DATABASE_URL``'s server or 127.0.0.1:5432, and
``REDIS_URL``'s or 127.0.0.1:6379), and need Debian's HAProxy; without them they fail, loudly.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from bench import bench_http, burst
from deploy import cluster as make_cluster
from segl.core import otp
from tests import clusters

PORT = int(os.environ["SEGL_TEST_PORT"]) + 30


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[make_cluster.Cluster]:
    with clusters.running(
        tmp_path_factory.mktemp("cluster"),
        f"segl_cluster_{PORT}",
        nodes=2,
        workers=1,
        port=PORT,
        node_port=PORT + 1,
        redis_url=clusters.own_redis(8),
        # Counted per user ID by whichever node a request reaches: two a minute.
        settings={"SEGL_RATE_LIMIT_USER": "2", "SEGL_RATE_LIMIT_IP": "1000"},
        delivery_workers=True,
    ) as started:
        yield started


@pytest.fixture(scope="module")
def target(running: make_cluster.Cluster) -> bench_http.Target:
    """A relying party and people with code displays, made through the cluster's database."""
    return clusters.code_people(running, PORT, 3)


def test_one_login_goes_through_both_nodes_and_gets_its_token(target):
    requests = bench_http._step_requests(target)
    user_id, seed = target.people[0]
    login = bench_http.Login(burst.Browser(target.server), user_id, seed)
    nodes: Counter[str] = Counter()
    for step in bench_http.STEPS:  # each checks its answer: 302s, pages, the ID token
        answer = requests[step](login)
        nodes[answer.headers["X-Segl-Node"]] += 1
    # Round robin: the ten requests of the one login alternate between the nodes.
    assert set(nodes) == {"node1", "node2"} and min(nodes.values()) >= 4, nodes


def test_the_delivery_workers_beside_the_nodes_send_what_waits(running):
    assert running.env is not None and len(running.senders) == 2
    with psycopg.connect(running.env["DATABASE_URL"], autocommit=True) as conn:
        row = conn.execute(
            'INSERT INTO notify_outboxmessage (channel, "to", text, purpose, created_at, '
            "attempts, error, claimed_by, reference, receipt) VALUES ('sms', '+4522000000', "
            "'Din segl er ændret.', 'password_changed', now(), 0, '', '', '', '') RETURNING id"
        ).fetchone()
        assert row is not None
        deadline = time.monotonic() + 30
        sent = None
        while sent is None and time.monotonic() < deadline:  # a worker looks every 2 s
            time.sleep(0.2)
            found = conn.execute(
                "SELECT sent_at FROM notify_outboxmessage WHERE id = %s", (row[0],)
            ).fetchone()
            sent = found[0] if found else None
    assert sent is not None, "no delivery worker sent the message"
    assert all(sender.poll() is None for sender in running.senders)


def test_the_limit_per_user_id_counts_for_every_node_together(target):
    statuses, nodes = clusters.user_id_three_times(target, target.people[1][0])
    assert nodes == {"node1", "node2"}
    assert statuses == [302, 302, 429]  # two a minute, wherever they were counted


def test_a_login_finishes_once_on_the_node_left_when_the_others_are_killed_between_its_steps(
    tmp_path, running, target
):
    # A cluster of its own, of three nodes: one is killed after the code step, another
    # between the authorization code given to the RP and its redemption.
    assert running.env is not None
    database_url = running.env["DATABASE_URL"]
    # The same secrets as the first: its people's seeds are sealed under its key ring.
    shutil.copy(running.env["SEGL_ENV_FILE"], tmp_path / "segl.env")
    three = make_cluster.start(
        tmp_path,
        nodes=3,
        workers=1,
        port=PORT + 5,
        node_port=PORT + 6,
        database_url=database_url,
        redis_url=running.env["REDIS_URL"],
        demo=False,
    )
    try:
        balancer, nodes = three.processes[0], three.processes[1:]
        # The same database: the people made through the first cluster.
        server = burst.Server(
            url=three.url, host="127.0.0.1", port=PORT + 5, database_url="",
            process=balancer, log=Path(os.devnull),
        )  # fmt: skip
        here = dataclasses.replace(target, server=server)
        requests = bench_http._step_requests(here)
        user_id, seed = here.people[2]
        login = bench_http.Login(burst.Browser(here.server), user_id, seed)
        answers, code = {}, otp.totp_code(seed, datetime.now(UTC))
        for step in bench_http.STEPS:  # each checks its own answer
            if step == "code":
                answers[step] = bench_http._post(login, {"step": "code", "code": code}, "code")
                nodes[0].kill()  # SIGKILL: no goodbye
                nodes[0].wait()
                continue
            answers[step] = requests[step](login)
            if step == "finish":
                nodes[1].kill()
                nodes[1].wait()
        assert answers["token"].headers["X-Segl-Node"] == "node3"
        # The authorization code was redeemed once: again, on the node left, it is refused.
        with pytest.raises(burst.BurstError, match="token: 400"):
            bench_http._token(here, login)
        # The one-time code the login used is spent: a new login cannot use it again.
        retry = bench_http.Login(burst.Browser(here.server), user_id, seed)
        for step in ("authorize", "user ID page", "user ID", "code page"):
            requests[step](retry)
        refused = bench_http._post(retry, {"step": "code", "code": code}, "a used code", 200)
        assert "error-summary" in refused.body
    finally:
        three.stop()
