"""The audit log in the database: appended in order, tampering found by `segl audit verify`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.audit.services import audit_record, audit_verify
from segl.cli import main
from segl.core.audit import chain_digest, event_fields


@pytest.mark.django_db
def test_events_chain_and_verify():
    for i in range(5):
        audit_record(action="test", subject=f"s{i}", data={"i": i})
    count, breaks = audit_verify()
    assert count == 5 and breaks == []


@pytest.mark.django_db
def test_tampering_is_found(capsys):
    for i in range(4):
        audit_record(action="test", subject=f"s{i}")
    AuditEvent.objects.filter(seq=2).update(outcome="changed")
    _, breaks = audit_verify()
    assert [b.seq for b in breaks] == [2]
    assert main(["audit", "verify"]) == 1
    assert "event #2" in capsys.readouterr().out


@pytest.mark.django_db
def test_removing_the_newest_event_is_found():
    for i in range(3):
        audit_record(action="test", subject=f"s{i}")
    AuditEvent.objects.filter(seq=3).delete()
    _, breaks = audit_verify()
    assert breaks and "newest" in breaks[0].reason


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


def _chained(n: int) -> None:
    for i in range(n):
        audit_record(action="test", subject=f"s{i}", data={"i": i})


def _rewrite(seq: int, **changes: object) -> None:
    """Change an event and recompute its own digest, as someone with database access could."""
    event = AuditEvent.objects.get(seq=seq)
    for name, value in changes.items():
        setattr(event, name, value)
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
    event.digest = chain_digest(event.prev_digest, fields)
    event.save()


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
    ],
)
def test_a_change_to_any_field_is_found(field, value):
    _chained(4)
    AuditEvent.objects.filter(seq=2).update(**{field: value})
    assert [b.seq for b in audit_verify()[1]] == [2]


@pytest.mark.django_db
def test_a_changed_time_is_found():
    _chained(4)
    event = AuditEvent.objects.get(seq=2)
    AuditEvent.objects.filter(seq=2).update(at=event.at - timedelta(hours=1))
    assert [b.seq for b in audit_verify()[1]] == [2]


@pytest.mark.django_db
def test_a_rewritten_event_with_a_fresh_digest_is_found_at_the_next_one():
    _chained(4)
    _rewrite(2, outcome="changed")
    breaks = audit_verify()[1]
    assert [b.seq for b in breaks] == [3]
    assert "does not follow" in breaks[0].reason


@pytest.mark.django_db
def test_a_rewritten_event_and_the_link_after_it_are_found():
    _chained(4)
    _rewrite(2, outcome="changed")
    # Point the next event at the forged digest too; its own digest still covers the old one.
    AuditEvent.objects.filter(seq=3).update(prev_digest=AuditEvent.objects.get(seq=2).digest)
    assert [b.seq for b in audit_verify()[1]] == [3]


@pytest.mark.django_db
def test_an_intact_log_verifies_from_the_command_line(capsys):
    _chained(3)
    assert main(["audit", "verify"]) == 0
