"""The audit log in the database: keyed chains, and what `segl audit verify` finds in them.

Each tampering test plays someone who can write to the database but holds no key, unless it
says otherwise; checkpoints are in tests/test_audit_checkpoints.py.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from segl.audit.models import AuditEvent, AuditPartition
from segl.audit.services import audit_record, audit_verify
from segl.cli import main
from segl.core.audit import chain_digest, chain_mac, event_fields
from segl.core.secrets import format_key, generate_key


def _chained(n: int) -> int:
    """n events in one partition (one thread, so one partition); returns the partition."""
    events = [audit_record(action="test", subject=f"s{i}", data={"i": i}) for i in range(n)]
    assert len({e.partition for e in events}) == 1
    return events[0].partition


def _fields(event: AuditEvent) -> dict:
    return event_fields(
        seq=event.seq,
        at=event.at,
        action=event.action,
        outcome=event.outcome,
        actor=event.actor,
        subject=event.subject,
        ip=event.ip,
        data=event.data,
        partition=event.partition,
        kid=event.kid,
    )


def reseal(partition: int, seq: int, seal, **changes: object) -> None:
    """Change event ``seq`` and re-seal it and every later one with ``seal(prev, fields)``,
    then move the partition's head along, as someone with database access would."""
    prev = None
    for event in AuditEvent.objects.filter(partition=partition, seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            for name, value in changes.items():
                setattr(event, name, value)
        else:
            event.prev_digest = prev
        event.digest = seal(event.prev_digest, _fields(event))
        event.save()
        prev = event.digest
    AuditPartition.objects.filter(number=partition).update(digest=prev)


@pytest.mark.django_db
def test_events_chain_and_verify():
    _chained(5)
    count, breaks = audit_verify()
    assert count == 5 and breaks == []
    assert set(AuditEvent.objects.values_list("seq", flat=True)) == {1, 2, 3, 4, 5}


@pytest.mark.django_db
def test_an_edited_event_is_named(capsys):
    partition = _chained(4)
    AuditEvent.objects.filter(partition=partition, seq=2).update(outcome="changed")
    event = AuditEvent.objects.get(partition=partition, seq=2)
    _, breaks = audit_verify()
    assert [(b.partition, b.seq, b.event_id) for b in breaks] == [(partition, 2, event.pk)]
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"partition {partition}, event #2 (id {event.pk}): its seal does not match" in out


@pytest.mark.django_db
def test_removing_the_newest_event_is_found_by_the_head_row():
    partition = _chained(3)
    AuditEvent.objects.filter(partition=partition, seq=3).delete()
    _, breaks = audit_verify()
    assert [(b.partition, b.seq) for b in breaks] == [(partition, 3)]
    assert "removed" in breaks[0].reason


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "other"),
        ("outcome", "changed"),
        ("actor", "someone"),
        ("subject", "someone else"),
        ("ip", "10.0.0.1"),
        ("data", {"i": 99}),
        ("kid", "other"),
    ],
)
def test_a_change_to_any_field_is_found(field, value):
    partition = _chained(4)
    AuditEvent.objects.filter(partition=partition, seq=2).update(**{field: value})
    assert [b.seq for b in audit_verify()[1]] == [2]


@pytest.mark.django_db
def test_a_changed_time_is_found():
    partition = _chained(4)
    event = AuditEvent.objects.get(partition=partition, seq=2)
    AuditEvent.objects.filter(pk=event.pk).update(at=event.at - timedelta(hours=1))
    assert [b.seq for b in audit_verify()[1]] == [2]


@pytest.mark.django_db
def test_an_event_moved_to_another_partition_is_found():
    partition = _chained(2)
    AuditEvent.objects.filter(partition=partition, seq=2).update(partition=partition + 1)
    breaks = audit_verify()[1]
    assert (partition + 1, 2) in [(b.partition, b.seq) for b in breaks]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "seal",
    [
        pytest.param(chain_digest, id="plain-sha256"),
        pytest.param(lambda prev, f: chain_mac(b"w" * 32, prev, f), id="wrong-key"),
    ],
)
def test_a_chain_resealed_without_the_key_is_found_at_the_first_resealed_event(seal, capsys):
    partition = _chained(5)
    reseal(partition, 2, seal, outcome="changed")
    first = AuditEvent.objects.get(partition=partition, seq=2)
    breaks = audit_verify()[1]
    assert (breaks[0].partition, breaks[0].seq, breaks[0].event_id) == (partition, 2, first.pk)
    assert {b.seq for b in breaks} == {2, 3, 4, 5}
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"partition {partition}, event #2 (id {first.pk}): its seal does not match" in out


@pytest.mark.django_db
def test_the_same_chain_resealed_as_the_writer_would_verifies(settings):
    # The control for the test above: re-sealing with the real key is what the key prevents
    # (and what checkpoints catch), so the test's re-sealing itself is faithful.
    from segl.audit.keys import audit_keys

    partition = _chained(3)
    key = audit_keys().keys[audit_keys().active]
    reseal(partition, 2, lambda prev, f: chain_mac(key, prev, f), outcome="changed")
    assert audit_verify()[1] == []


@pytest.mark.django_db
def test_keys_rotate_and_old_events_stay_verifiable(settings):
    first = _chained(2)
    old = settings.CONFIG.audit_keys
    new = format_key("audit-new", generate_key())
    settings.CONFIG = dataclasses.replace(settings.CONFIG, audit_keys=f"{new},{old}")
    event = audit_record(action="test", subject="after rotation")
    assert event.kid == "audit-new"
    assert event.partition == first
    assert audit_verify() == (3, [])
    # Dropping the old key leaves its events unverifiable, and says which key is missing.
    settings.CONFIG = dataclasses.replace(settings.CONFIG, audit_keys=new)
    breaks = audit_verify()[1]
    assert breaks[0].seq == 1 and "audit-test1" in breaks[0].reason


@pytest.mark.django_db
def test_a_login_leaves_an_audit_trail_without_cpr(driver, anna):
    driver.login(anna)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    for expected in (
        "rp.add",
        "device.activate",
        "flow.start",
        "flow.user_id",
        "code.verify",
        "password.verify",
        "flow.done",
        "oidc.code",
    ):
        assert expected in actions
    cpr = anna.identity.person.cpr
    # Neither form of the number (DDMMYYSSSS, DDMMYY-SSSS) in any field of any event.
    forms = (cpr, f"{cpr[:6]}-{cpr[6:]}")
    for event in AuditEvent.objects.all():
        text = " ".join(
            [event.action, event.outcome, event.actor, event.subject, event.ip, str(event.data)]
        )
        assert not any(form in text for form in forms), event
    # The person is named by the masked form only.
    created = AuditEvent.objects.get(action="person.create")
    assert created.subject == f"{cpr[:6]}-****"
    assert audit_verify()[1] == []


@pytest.mark.django_db
def test_an_intact_log_verifies_from_the_command_line(capsys):
    _chained(3)
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "3 events" in out and "chains intact" in out and "no checkpoints given" in out


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["prev_digest", "digest"])
def test_a_digest_that_is_not_hex_is_a_break_not_a_crash(column):
    partition = _chained(3)
    AuditEvent.objects.filter(partition=partition, seq=2).update(**{column: "ø" * 64})
    assert [b.seq for b in audit_verify()[1]][:1] == [2]
