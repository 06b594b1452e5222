"""The doorbell wakes this process's long-polls when a transaction that changed a login commits."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
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
