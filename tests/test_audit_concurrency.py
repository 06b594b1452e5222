"""Writers on different connections append to the audit log without a common lock.

Each transaction holds one partition's head row until it commits; another writer takes another
partition instead of waiting. PostgreSQL shows it with two connections; SQLite runs one write
transaction at a time whatever the audit log does (decision 3), so there only the chains'
integrity under many threads is checked.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest
from django.db import connection, transaction

from segl.audit.anchors import FileSink, audit_checkpoint
from segl.audit.keys import verify_keys
from segl.audit.models import AuditEvent
from segl.audit.services import audit_record
from segl.audit.verify import audit_check

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transaction_holding_its_audit_event_does_not_block_another_writer():
    # SQLite takes its one write lock at BEGIN (decision 3): there the second writer waits for
    # the first commit whatever the audit log does, and then appends without an error.
    serialised = connection.vendor == "sqlite"
    holding, release, second_done = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                audit_record(action="test.first")
                holding.set()
                release.wait(20)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def second() -> None:
        try:
            with transaction.atomic():
                audit_record(action="test.second")
            second_done.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # The partitions' head rows are made by the first append ever (a flushed test database
    # has lost them), so make them before the race, as any running installation has.
    audit_record(action="test.start")
    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(10)
    two = threading.Thread(target=second)
    two.start()
    # The first transaction is still open, its partition's head row locked.
    appended_meanwhile = second_done.wait(5)
    release.set()
    one.join(30)
    two.join(30)
    assert not errors
    events = {e.action: e for e in AuditEvent.objects.all()}
    if serialised:
        assert not appended_meanwhile and second_done.is_set()
    else:
        assert appended_meanwhile, "the second writer waited for the first one's transaction"
        assert events["test.first"].partition != events["test.second"].partition
    assert {"test.first", "test.second"} <= set(events)
    assert audit_check().ok


def test_the_chains_stay_verifiable_under_concurrent_writers_checkpoints_and_checks(tmp_path):
    writers, transactions, per_transaction = 8, 12, 3
    sink = FileSink(tmp_path / "checkpoints.jsonl")
    stop = threading.Event()
    errors: list[BaseException] = []
    checks: list[bool] = []

    def write(n: int) -> None:
        try:
            for t in range(transactions):
                with transaction.atomic():
                    for i in range(per_transaction):
                        audit_record(
                            action="test.concurrent", subject=f"w{n}", data={"t": t, "i": i}
                        )
                        time.sleep(0.001)  # keep the transaction open while others try
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def watch() -> None:
        # Checkpoints and checks taken while the writers write must agree with the end result.
        from django.utils import timezone

        try:
            while not stop.is_set():
                audit_checkpoint(now=timezone.now(), sinks=[sink])
                checks.append(audit_check().ok)
                time.sleep(0.02)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    stop.set()
    watcher.join(60)
    assert not errors, errors
    assert checks and all(checks)

    total = writers * transactions * per_transaction
    with sink.path.open() as lines:
        report = audit_check(checkpoints=lines, verify_keys=verify_keys())
    assert report.ok, report.breaks + report.checkpoint_problems
    assert report.events == total and report.checkpoints >= 1
    # Each transaction's events are consecutive in one partition, in the order written.
    by_transaction = defaultdict(list)
    for e in AuditEvent.objects.order_by("partition", "seq"):
        by_transaction[(e.subject, e.data["t"])].append((e.partition, e.seq, e.data["i"]))
    assert len(by_transaction) == writers * transactions
    for events in by_transaction.values():
        partitions = {p for p, _, _ in events}
        seqs = [s for _, s, _ in events]
        assert len(partitions) == 1
        assert seqs == list(range(seqs[0], seqs[0] + per_transaction))
        assert [i for _, _, i in events] == list(range(per_transaction))
    if connection.vendor == "postgresql":
        assert len(set(AuditEvent.objects.values_list("partition", flat=True))) > 1
