"""Choosing and locking the partition an event is appended to.

There is no lock common to all writers: a transaction locks one partition's head row and keeps
it until it commits, so its events stay in order within that partition. On PostgreSQL the
partition is the first free one (``FOR UPDATE SKIP LOCKED``), starting from the one this thread
used last; only when every partition is held does a writer wait, for its own. SQLite runs one
write transaction at a time anyway (decision 3), so there the thread's partition is simply used.

This is on the path of every audited request, so it is three plain statements (find and lock
the head, insert the event, advance the head), not ORM queries.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from segl.core.audit import GENESIS, LEGACY

from .models import AuditEvent, AuditPartition

_affinity = threading.local()


@dataclass(frozen=True)
class Head:
    number: int
    seq: int
    digest: str


def partition_lock() -> Head:
    """The head of a partition, its row locked for the rest of the caller's transaction."""
    count = settings.CONFIG.audit_partitions
    preferred = getattr(_affinity, "number", None)
    if preferred is None or preferred >= count:
        # Threads start on different partitions, so they rarely even try the same row.
        preferred = random.randrange(count)  # noqa: S311 - spreads load, guards nothing
    head = _first_free(count, preferred)
    if head is None:
        if AuditPartition.objects.filter(number__gte=0, number__lt=count).count() < count:
            _create(count)
        # Every partition is held by another transaction: wait for this thread's own.
        head = _wait_for(preferred)
    _affinity.number = head.number
    return head


def partition_append(event: AuditEvent) -> None:
    """Insert ``event`` (sealed, not yet saved) into its locked partition's chain: one plain
    statement, each value prepared by its model field as ``save()`` would."""
    values = [
        field.get_db_prep_save(getattr(event, field.attname), connection) for field in _COLUMNS
    ]
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(_APPEND + ' RETURNING "id"', values)
            event.pk = cursor.fetchone()[0]
        else:
            cursor.execute(_APPEND, values)
            event.pk = cursor.lastrowid
    event._state.adding, event._state.db = False, connection.alias


def partition_advance(head: Head, *, seq: int, digest: str) -> None:
    """Move the locked head to the event just appended."""
    _execute(_ADVANCE, [seq, digest, head.number])


# The table is named in AuditPartition.Meta.db_table.
_FREE = (
    "SELECT number, seq, digest FROM audit_auditpartition WHERE number >= 0 AND number < %s"
    " ORDER BY (number + %s) %% %s LIMIT 1"
)
_FREE_SKIP_LOCKED = (
    "SELECT number, seq, digest FROM audit_auditpartition WHERE number >= 0 AND number < %s"
    " ORDER BY (number + %s) %% %s LIMIT 1 FOR UPDATE SKIP LOCKED"
)
_ONE = "SELECT number, seq, digest FROM audit_auditpartition WHERE number = %s"
_ONE_LOCKED = "SELECT number, seq, digest FROM audit_auditpartition WHERE number = %s FOR UPDATE"
_ADVANCE = "UPDATE audit_auditpartition SET seq = %s, digest = %s WHERE number = %s"
# Every column of AuditEvent but its id, named from the model so that the two cannot differ.
_COLUMNS = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
_APPEND = "INSERT INTO audit_auditevent ({}) VALUES ({})".format(  # noqa: S608 - no input here
    ", ".join(f'"{field.column}"' for field in _COLUMNS), ", ".join(["%s"] * len(_COLUMNS))
)


def _first_free(count: int, preferred: int) -> Head | None:
    # In ring order from the preferred partition. Rows this transaction already holds are not
    # skipped, so a second event of the same transaction lands in the same partition.
    skip = connection.features.has_select_for_update_skip_locked
    return _execute(_FREE_SKIP_LOCKED if skip else _FREE, [count, count - preferred, count])


def _wait_for(number: int) -> Head:
    lock = connection.features.has_select_for_update
    head = _execute(_ONE_LOCKED if lock else _ONE, [number])
    if head is None:
        raise RuntimeError(f"audit partition {number} does not exist")
    return head


def _execute(sql: str, params: Sequence[int | str]) -> Head | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
    return Head(*row) if row else None


def _create(count: int) -> None:
    """Start the missing partitions where the legacy segment ended (or at the genesis)."""
    legacy = AuditPartition.objects.filter(number=LEGACY).values_list("digest", flat=True).first()
    AuditPartition.objects.bulk_create(
        [AuditPartition(number=n, seq=0, digest=legacy or GENESIS) for n in range(count)],
        ignore_conflicts=True,
    )
