"""Redis killed under a running cluster, and started again (decision 38, "Faults and recovery").

Two segl nodes behind HAProxy (deploy/cluster.py) on PostgreSQL and on a Redis server of this
module's own, which the tests kill with SIGKILL and start again, empty. With Redis away, whole
logins still go through both nodes, one user ID's limit is still counted for both nodes
together (in the database), and the app's answer given on one node still reaches the browser
waiting on the other (the long-poll's look in the database, not Redis's signal). With Redis
back, the limits are counted there again.

These need PostgreSQL (``DATABASE_URL``'s server or 127.0.0.1:5432), Debian's HAProxy and
redis-server; without them they fail, loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
import redis

from bench import bench_http, burst
from deploy import cluster as make_cluster
from tests import app_cluster, clusters
from tests.private_redis import PrivateRedis, private_redis

PORT = int(os.environ["SEGL_TEST_PORT"]) + 60  # Redis; HAProxy + 1, the nodes + 2 and + 3
NODES = (PORT + 2, PORT + 3)
# How long the browser may wait for the app's answer given on the other node, Redis away: the
# long-poll looks in the database every 100 ms.
WOKEN_WITHIN = 2.0


@dataclass
class Site:
    cluster: make_cluster.Cluster
    redis: PrivateRedis
    database_url: str
    target: bench_http.Target  # people with code displays
    people: app_cluster.AppPeople  # people with the app
    used: int = 0

    def person(self) -> tuple[str, bytes]:
        self.used += 1
        return self.target.people[self.used - 1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    workdir = tmp_path_factory.mktemp("redis-away")
    with (
        private_redis(workdir / "redis", PORT) as redis_server,
        clusters.running(
            workdir / "cluster",
            f"segl_redis_away_{PORT}",
            nodes=2,
            workers=1,
            port=PORT + 1,
            node_port=NODES[0],
            redis_url=redis_server.url,
            # Counted per user ID by whichever node a request reaches: two a minute.
            settings={"SEGL_RATE_LIMIT_USER": "2", "SEGL_RATE_LIMIT_IP": "1000"},
        ) as cluster,
    ):
        assert cluster.env is not None
        yield Site(
            cluster=cluster,
            redis=redis_server,
            database_url=cluster.env["DATABASE_URL"],
            target=clusters.code_people(cluster, PORT + 1, 8),
            people=app_cluster.make_app_people(cluster, PORT + 1, 3, workdir / "app.json"),
        )


def _whole_login(site: Site) -> Counter[str]:
    """A code display login's ten requests through HAProxy, each answer checked (302s, the
    pages, the ID token); which node answered each."""
    requests = bench_http._step_requests(site.target)
    user_id, seed = site.person()
    login = bench_http.Login(burst.Browser(site.target.server), user_id, seed)
    nodes: Counter[str] = Counter()
    for step in bench_http.STEPS:
        nodes[requests[step](login).headers["X-Segl-Node"]] += 1
    return nodes


def _user_key(user_id: str) -> str:
    """The rate limit's key for a user ID (segl.http.user_rate_limited), without the cache's
    prefix."""
    digest = hashlib.sha256(user_id.strip().casefold().encode()).hexdigest()[:32]
    return f"rl:user:{digest}"


def _in_redis(site: Site, key: str) -> int | None:
    value = site.redis.client().get(f"segl:1:{key}")  # Django's KEY_PREFIX and version
    return int(value) if value is not None else None


def _in_database(site: Site, key: str) -> int:
    """The count segl.limits keeps for ``key`` in the database (its rows hold the key hashed)."""
    with psycopg.connect(site.database_url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(count), 0) FROM limits_ratewindow WHERE key = %s",
            (hashlib.sha256(key.encode()).hexdigest(),),
        ).fetchone()
    assert row is not None
    return int(row[0])


def _within_one_minute() -> None:
    """The database counts in windows of a minute on the clock: three requests must not
    straddle two of them."""
    second = time.time() % 60
    if second > 56:
        time.sleep(60.2 - second)


def _redis_running(site: Site) -> None:
    if site.redis.process is None or site.redis.process.poll() is not None:
        site.redis.start()
        _both_nodes_count_in_redis(site)


def _both_nodes_count_in_redis(site: Site) -> None:
    """Each node, asked straight, counts a request in Redis again (a node tries Redis again 5 s
    after it last failed): the count of the address's long-poll limit grows by one."""
    key = "rl:ip:status:127.0.0.1"
    deadline = time.monotonic() + 20
    for port in NODES:
        browser = burst.Browser(app_cluster.server_at(port, site.cluster.processes[0]))
        while True:
            before = _in_redis(site, key) or 0
            answer = browser.request("GET", "/login/none/app/status", accept="application/json")
            assert answer.status == 404, answer.body
            if (_in_redis(site, key) or 0) == before + 1:
                break
            assert time.monotonic() < deadline, f"the node on {port} never counted in Redis"
            time.sleep(0.5)


def test_with_redis_up_a_login_goes_through_both_nodes_and_is_counted_in_redis(site):
    _redis_running(site)
    user_id = site.target.people[site.used][0]
    nodes = _whole_login(site)
    assert set(nodes) == {"node1", "node2"}, nodes
    assert _in_redis(site, _user_key(user_id)) == 1
    assert _in_database(site, _user_key(user_id)) == 0


def test_with_redis_killed_logins_limits_and_the_apps_answer_still_work_on_both_nodes(site):
    _redis_running(site)
    site.redis.kill()
    with pytest.raises(redis.ConnectionError):
        site.redis.client().ping()

    # Whole logins, each of its ten requests answered as it should be, on both nodes.
    for _ in range(2):
        nodes = _whole_login(site)
        assert set(nodes) == {"node1", "node2"}, nodes

    # One user ID's limit, two a minute, counted for both nodes together in the database.
    user_id = site.person()[0]
    _within_one_minute()
    statuses, nodes = clusters.user_id_three_times(site.target, user_id)
    assert nodes == {"node1", "node2"}
    assert statuses == [302, 302, 429]
    assert _in_database(site, _user_key(user_id)) == 3

    # The app answers on node 2; the browser waits on node 1. Nothing carries the signal
    # across but the database.
    people = site.people
    login = app_cluster.start_login(people, people.take())
    shown = app_cluster.bind(
        app_cluster.app(people, site.cluster), people, login, site.database_url
    )
    poll = app_cluster.long_poll(login, app_cluster.server_at(NODES[0], site.cluster.processes[0]))
    on_node2 = app_cluster.app(people, site.cluster, NODES[1])
    sent = time.monotonic()
    assert on_node2.answer(login.user_id, shown) == "approved"
    poll.join()
    assert poll.answer is not None, poll.error
    assert poll.answer.status == 200 and json.loads(poll.answer.body)["state"] == "done"
    assert poll.at - sent < WOKEN_WITHIN, f"the browser learnt of it after {poll.at - sent:.2f} s"
    bench_http._finish(login)
    bench_http._token(people.target, login)


def test_with_redis_back_the_limits_are_counted_in_redis_again(site):
    _redis_running(site)
    site.redis.kill()
    # A login while it is away: its user ID is counted in the database.
    away = site.target.people[site.used][0]
    _whole_login(site)
    assert _in_database(site, _user_key(away)) == 1

    site.redis.start()  # empty: nothing was saved
    _both_nodes_count_in_redis(site)
    user_id = site.person()[0]
    statuses, nodes = clusters.user_id_three_times(site.target, user_id)
    assert nodes == {"node1", "node2"}
    assert statuses == [302, 302, 429]
    assert _in_redis(site, _user_key(user_id)) == 3
    assert _in_database(site, _user_key(user_id)) == 0
    nodes = _whole_login(site)
    assert set(nodes) == {"node1", "node2"}, nodes

    verified = app_cluster.segl(site.cluster, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
