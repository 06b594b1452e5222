"""Events chained before the keys keep verifying as the legacy segment, bound into every chain."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from segl.audit.models import AuditEvent, AuditPartition
from segl.audit.services import audit_record, audit_verify
from segl.core.audit import GENESIS, LEGACY, chain_digest, event_fields

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0002_keyed_partitions")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def write_legacy_events(apps, n: int) -> None:
    """As the code before the keys did: one plain SHA-256 chain and its head row."""
    Event = apps.get_model("audit", "AuditEvent")
    Head = apps.get_model("audit", "AuditHead")
    prev = GENESIS
    for seq in range(1, n + 1):
        at = datetime(2026, 1, 1, 12, seq, tzinfo=UTC)
        fields = event_fields(
            seq=seq, at=at, action="old", outcome="ok", actor="", subject=f"s{seq}", ip="", data={}
        )
        digest = chain_digest(prev, fields)
        Event.objects.create(
            seq=seq,
            at=at,
            action="old",
            outcome="ok",
            subject=f"s{seq}",
            data={},
            prev_digest=prev,
            digest=digest,
        )
        prev = digest
    Head.objects.update_or_create(id=1, defaults={"seq": n, "digest": prev})


@pytest.fixture
def legacy():
    """Three events written before the upgrade, then the upgrade; back to the newest after."""
    old_apps = migrate(BEFORE)
    try:
        write_legacy_events(old_apps, 3)
        migrate(AFTER)
        yield
    finally:
        AuditEvent.objects.all().delete()
        AuditPartition.objects.all().delete()
        migrate(AFTER)


def test_the_upgrade_keeps_old_events_and_records_where_they_ended(legacy):
    assert list(AuditEvent.objects.values_list("partition", "seq", "kid")) == [
        (LEGACY, 1, ""),
        (LEGACY, 2, ""),
        (LEGACY, 3, ""),
    ]
    end = AuditPartition.objects.get(number=LEGACY)
    assert end.seq == 3 and end.digest == AuditEvent.objects.get(seq=3, partition=LEGACY).digest
    event = audit_record(action="new")
    assert event.seq == 1 and event.prev_digest == end.digest and event.kid
    assert audit_verify() == (4, [])


def test_a_legacy_segment_rehashed_after_the_upgrade_is_found(legacy):
    new = audit_record(action="new")
    # Plain SHA-256 needs no key: rewrite event 2, re-hash 2 and 3, move the legacy end along.
    prev = AuditEvent.objects.get(partition=LEGACY, seq=1).digest
    for event in AuditEvent.objects.filter(partition=LEGACY, seq__gte=2).order_by("seq"):
        if event.seq == 2:
            event.outcome = "changed"
        event.prev_digest = prev
        fields = event_fields(
            seq=event.seq,
            at=event.at,
            action=event.action,
            outcome=event.outcome,
            actor=event.actor,
            subject=event.subject,
            ip=event.ip,
            data=event.data,
        )
        event.digest = prev = chain_digest(prev, fields)
        event.save()
    AuditPartition.objects.filter(number=LEGACY).update(digest=prev)
    # The keyed chain still starts from the old end, and its seal covers that.
    breaks = audit_verify()[1]
    assert breaks and all(b.partition >= 0 and b.seq == 1 for b in breaks)
    [first] = [b for b in breaks if b.partition == new.partition]
    assert first.event_id == new.pk and "does not follow" in first.reason
    # The partitions without events yet were started from the old end too.
    assert {b.partition for b in breaks} == set(
        AuditPartition.objects.filter(number__gte=0).values_list("number", flat=True)
    )


def test_legacy_events_removed_before_the_upgrade_show(legacy):
    AuditEvent.objects.filter(partition=LEGACY, seq=3).delete()
    breaks = audit_verify()[1]
    assert [(b.partition, b.seq) for b in breaks] == [(LEGACY, 3)]


def test_events_added_to_the_legacy_segment_after_the_upgrade_show(legacy):
    last = AuditEvent.objects.get(partition=LEGACY, seq=3)
    at = datetime(2026, 1, 1, 13, 0, tzinfo=UTC)
    fields = event_fields(
        seq=4, at=at, action="old", outcome="ok", actor="", subject="", ip="", data={}
    )
    added = AuditEvent.objects.create(
        partition=LEGACY,
        seq=4,
        at=at,
        action="old",
        outcome="ok",
        data={},
        prev_digest=last.digest,
        digest=chain_digest(last.digest, fields),
    )
    breaks = audit_verify()[1]
    assert [(b.partition, b.seq, b.event_id) for b in breaks] == [(LEGACY, 4, added.pk)]
    assert "recorded end" in breaks[0].reason
