"""Choosing and locking the partition an event is appended to.

There is no lock common to all writers: a transaction locks one partition's head row and keeps
it until it commits, so its events stay in order within that partition. On PostgreSQL the
partition is the first free one (``FOR UPDATE SKIP LOCKED``), starting from the one this thread
used last; only when every partition is held does a writer wait, for its own. SQLite runs one
write transaction at a time anyway (decision 3), so there the thread's partition is simply used.
"""

from __future__ import annotations

import random
import threading

from django.conf import settings
from django.db.models import F
from django.db.models.functions import Mod

from segl.core.audit import GENESIS, LEGACY

from .models import AuditPartition

_affinity = threading.local()


def partition_lock() -> AuditPartition:
    """The head row of a partition, locked for the rest of the caller's transaction."""
    count = settings.CONFIG.audit_partitions
    preferred = getattr(_affinity, "number", None)
    if preferred is None or preferred >= count:
        # Threads start on different partitions, so they rarely even try the same row.
        preferred = random.randrange(count)  # noqa: S311 - spreads load, guards nothing
    head = _first_free(count, preferred)
    if head is None:
        if AuditPartition.objects.filter(number__gte=0, number__lt=count).count() < count:
            _create(count)
            head = _first_free(count, preferred)
        if head is None:
            head = AuditPartition.objects.select_for_update().get(number=preferred)
    _affinity.number = head.number
    return head


def _first_free(count: int, preferred: int) -> AuditPartition | None:
    # Rows this transaction already holds are not skipped, so a second event of the same
    # transaction lands in the same partition.
    ring = Mod(F("number") + (count - preferred), count)
    return (
        AuditPartition.objects.select_for_update(skip_locked=True)
        .filter(number__gte=0, number__lt=count)
        .order_by(ring)
        .first()
    )


def _create(count: int) -> None:
    """Start the missing partitions where the legacy segment ended (or at the genesis)."""
    legacy = AuditPartition.objects.filter(number=LEGACY).values_list("digest", flat=True).first()
    AuditPartition.objects.bulk_create(
        [AuditPartition(number=n, seq=0, digest=legacy or GENESIS) for n in range(count)],
        ignore_conflicts=True,
    )
