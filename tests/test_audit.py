"""The audit log in the database: appended in order, tampering found by `segl audit verify`."""

from __future__ import annotations

import pytest

from segl.audit.models import AuditEvent
from segl.audit.services import audit_record, audit_verify
from segl.cli import main


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
    for event in AuditEvent.objects.all():
        assert cpr not in str(event.data) and cpr not in event.subject
    assert audit_verify()[1] == []
