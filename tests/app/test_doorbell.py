"""The doorbell wakes the long-polls when a transaction that changed a login commits: this
process's at once, and other processes' and nodes' through Redis."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from django.db import connection, transaction

from segl.app import doorbell
from segl.identities.models import Identity

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_ring_sounds_only_when_the_transaction_commits():
    before = doorbell.count("flow:t1")
    with transaction.atomic():
        doorbell.ring("flow:t1")
        assert doorbell.count("flow:t1") == before
    assert doorbell.count("flow:t1") == before + 1


def test_a_rolled_back_change_rings_nothing():
    before = doorbell.count("flow:t2")
    with pytest.raises(RuntimeError), transaction.atomic():
        doorbell.ring("flow:t2")
        raise RuntimeError("rolled back")
    assert doorbell.count("flow:t2") == before


def test_a_waiter_wakes_at_the_ring_not_at_its_timeout():
    async def scenario() -> float:
        seen = doorbell.count("flow:t3")
        # The service that rings runs in another thread (a request of its own).
        threading.Timer(0.02, doorbell.ring, ("flow:t3",)).start()
        start = time.perf_counter()
        assert await doorbell.wait("flow:t3", seen, longest=5) == seen + 1
        return time.perf_counter() - start

    assert asyncio.run(scenario()) < 1


def test_a_quiet_bell_waits_its_longest():
    async def scenario() -> float:
        start = time.perf_counter()
        await doorbell.wait("flow:t4", doorbell.count("flow:t4"), longest=0.05)
        return time.perf_counter() - start

    assert 0.05 <= asyncio.run(scenario()) < 1


def test_a_look_gives_its_database_connection_back():
    # A long-poll looks ten times a second for up to 25 s: it must not hold a pooled connection
    # while it waits (decision 21), or a few waiting browsers would empty the pool.
    def lookup() -> tuple[int, bool]:
        return Identity.objects.count(), connection.connection is not None

    async def long_poll() -> tuple[int, bool]:
        return await doorbell.look(lookup)

    count, open_while_looking = async_to_sync(long_poll)()
    assert count == 0 and open_while_looking
    assert connection.connection is None  # back to the pool (closed, on SQLite)


# --- across nodes: the rings go through Redis publish/subscribe --------------------------------


@pytest.fixture
def on_redis(config: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[redis.Redis]:
    """This process's doorbell on Redis, on a channel of the test's own; a client of Redis
    that plays the other nodes."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    config(redis_url=url)
    doorbell._redis.close()  # a listener an earlier long-poll started, on the usual channel
    monkeypatch.setattr(doorbell._redis, "channel", f"segl-test:doorbell:{secrets.token_hex(6)}")
    other = redis.Redis.from_url(url)
    try:
        other.ping()
    except redis.RedisError as exc:
        pytest.fail(f"these tests need Redis at {url}: {exc}")
    yield other
    doorbell._redis.close()
    other.close()


def _listening(other: redis.Redis) -> None:
    doorbell._redis.listen()
    deadline = time.monotonic() + 5
    while (
        dict(other.pubsub_numsub(doorbell._redis.channel)).get(doorbell._redis.channel.encode(), 0)
        < 1
    ):
        assert time.monotonic() < deadline, "the doorbell never subscribed"
        time.sleep(0.01)


def test_a_ring_on_another_node_wakes_a_long_poll_here(on_redis):
    _listening(on_redis)

    async def scenario() -> float:
        seen = doorbell.count("flow:n1")
        threading.Timer(
            0.05, on_redis.publish, (doorbell._redis.channel, "another-node flow:n1")
        ).start()
        start = time.perf_counter()
        assert await doorbell.wait("flow:n1", seen, longest=5) == seen + 1
        return time.perf_counter() - start

    assert asyncio.run(scenario()) < 1


def test_a_ring_here_is_published_for_the_other_nodes(on_redis):
    with on_redis.pubsub(ignore_subscribe_messages=True) as heard:
        heard.subscribe(doorbell._redis.channel)
        heard.get_message(timeout=1)  # the subscription's own confirmation
        doorbell.ring("flow:n2")  # no transaction open: it rings at once
        message = heard.get_message(timeout=5)
    assert message is not None
    node, key = message["data"].decode().split(" ")
    assert key == "flow:n2" and node == doorbell._redis.node


def test_a_process_does_not_count_its_own_ring_twice_when_it_hears_it_back(on_redis):
    _listening(on_redis)
    before = doorbell.count("flow:n3")
    doorbell.ring("flow:n3")
    time.sleep(0.3)  # its own message has come back through Redis by now
    assert doorbell.count("flow:n3") == before + 1
    # ... while a ring from another node of the same key counts.
    on_redis.publish(doorbell._redis.channel, "another-node flow:n3")
    deadline = time.monotonic() + 5
    while doorbell.count("flow:n3") != before + 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_without_redis_a_ring_still_sounds_in_its_process(config, caplog):
    config(redis_url="redis://127.0.0.1:9/0")  # nothing listens there
    doorbell._redis.close()
    caplog.set_level(logging.WARNING, logger="segl.app.doorbell")
    try:
        before = doorbell.count("flow:n4")
        doorbell.ring("flow:n4")
        assert doorbell.count("flow:n4") == before + 1
        # The next rings do not wait for Redis's timeout: it is tried again after a pause.
        assert doorbell._redis.down_until > time.monotonic() + 3
        started = time.perf_counter()
        doorbell.ring("flow:n4")
        assert time.perf_counter() - started < 0.05

        async def scenario() -> int:
            return await doorbell.wait("flow:n4", before, longest=0.05)

        assert asyncio.run(scenario()) == before + 2
        assert "Redis unreachable" in caplog.text
    finally:
        doorbell._redis.close()
