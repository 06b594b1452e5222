"""Identification by CPR number and passport number: the same answer, count and audit for every
input; growing locks; the limit blocks it and tells the person; a login opens it again; every
refusal is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from segl.audit.models import AuditEvent
from segl.core.errors import Locked, SeglError
from segl.identities import failures, throttles
from segl.identities.services import person_create
from segl.notify.models import OutboxMessage
from segl.orders.identification import identification_recover, identify_by_passport
from segl.orders.models import IdentificationThrottle

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
KNOWN, UNKNOWN = "0101904321", "0202900000"
PASSPORT = "206123456"
ODD_PASSPORTS = ["999999999", "\xe6\xf8\xe5123", "20612345\u0666", "206123456\x00", "\u202e1", " "]
MALFORMED_CPRS = ["12345", "abcdef", "01019O4321", "0101904321x", "\x00" * 10, "\ud800" * 11]


@pytest.fixture
def person():
    return person_create(
        cpr=KNOWN,
        given_name="Eva",
        family_name="Holm",
        passport_numbers=[PASSPORT],
        phone="+4520123456",
        email="eva@example.dk",
    )


def attempt(cpr: str, passport: str, *, now: datetime = NOW, ip: str = "10.0.0.1") -> str:
    """The answer, as the portal would tell it apart: who, or which refusal."""
    try:
        return f"person {identify_by_passport(cpr=cpr, passport=passport, now=now, ip=ip).pk}"
    except SeglError as exc:
        until = f" until {exc.until.isoformat()}" if isinstance(exc, Locked) else ""
        return f"{type(exc).__name__}{until}"


def state_of(cpr: str) -> tuple[int, int, bool]:
    row = IdentificationThrottle.objects.get(
        key=throttles.keyed("order identification\0cpr", "".join(cpr.split("-")))
    )
    state = failures.load(row)
    return state.failures, state.total, state.disabled


def events() -> list[tuple[str, str, dict]]:
    identify = AuditEvent.objects.filter(action="order.identify").order_by("seq")
    return list(identify.values_list("action", "outcome", "data"))


@pytest.mark.parametrize("passport", ODD_PASSPORTS)
def test_known_unknown_and_malformed_cpr_numbers_get_the_same_answer_count_and_audit(
    person, passport
):
    answers, counts, audits = set(), set(), set()
    for n, cpr in enumerate([KNOWN, UNKNOWN, *MALFORMED_CPRS]):
        AuditEvent.objects.all().delete()
        answers.add(attempt(cpr, passport, ip=f"10.0.1.{n}"))
        audits.add(repr([(a, o, d) for a, o, d in events()]))
        rows = IdentificationThrottle.objects.filter(updated_at=NOW)
        counts.add(tuple(sorted((r.failures, r.failures_total) for r in rows)))
        IdentificationThrottle.objects.all().delete()
    assert answers == {"OrderRefused"}
    assert counts == {((1, 1), (1, 1))}  # counted once for the CPR number, once for the address
    assert audits == {repr([("order.identify", "wrong", {})])}


def test_known_unknown_and_malformed_cpr_numbers_cost_the_same_queries(person):
    """The same work for every input: one look-up in the register whatever was typed, and the
    same writes (the passport comparisons are padded to the same number in the core)."""
    queries = set()
    for n, cpr in enumerate([KNOWN, UNKNOWN, *MALFORMED_CPRS]):
        with CaptureQueriesContext(connection) as captured:
            attempt(cpr, "\xe6\xf8\xe5", ip=f"10.0.3.{n}")
        queries.add(len(captured))
    assert len(queries) == 1


def test_the_audit_masks_whatever_was_typed(person):
    for n, cpr in enumerate([KNOWN, "010190-4321", UNKNOWN, *MALFORMED_CPRS, "0101"]):
        attempt(cpr, "999999999", ip=f"10.0.2.{n}")
    identify = AuditEvent.objects.filter(action="order.identify").order_by("seq")
    subjects = list(identify.values_list("subject", flat=True))
    assert subjects[:3] == ["010190-****", "010190-****", "020290-****"]
    assert set(subjects[3:]) == {"******-****"}


def test_refusals_while_locked_are_each_in_the_audit_log(person):
    """The review's finding: 97 refusals and no event. Now every one is there."""
    answers = [attempt(KNOWN, "999999999") for _ in range(100)]
    until = (NOW + timedelta(minutes=15)).isoformat()
    assert answers == ["OrderRefused"] * 2 + [f"Locked until {until}"] * 98
    logged = events()
    assert len(logged) == 100
    assert [o for _, o, _ in logged[:3]] == ["wrong", "wrong", "locked"]
    assert logged[3:] == [("order.identify", "refused", {"because": "locked", "until": until})] * 97


def test_a_right_passport_number_ends_the_count_for_the_cpr_number(person):
    for _ in range(2):
        assert attempt(KNOWN, "999999999", ip="10.0.0.1") == "OrderRefused"
    assert attempt(KNOWN, PASSPORT, ip="10.0.0.2").startswith("person")
    assert state_of(KNOWN) == (0, 0, False)
    for _ in range(2):
        assert attempt(KNOWN, "999999999", ip="10.0.0.3") == "OrderRefused"


def wait_out(answer: str, now: datetime) -> datetime:
    if answer.startswith("Locked until "):
        return datetime.fromisoformat(answer.removeprefix("Locked until "))
    return now + timedelta(seconds=1)


def test_a_hundred_wrong_tries_block_a_cpr_number_known_or_not_and_tell_the_person(person):
    now = NOW
    seen = {KNOWN: [], UNKNOWN: []}
    for _ in range(100):
        for cpr, ip in ((KNOWN, "10.0.0.1"), (UNKNOWN, "10.0.0.2")):
            seen[cpr].append(attempt(cpr, "999999999", now=now, ip=ip))
        now = wait_out(seen[KNOWN][-1], now)
    assert seen[KNOWN] == seen[UNKNOWN]
    answers = seen[KNOWN]
    assert answers[-1] == "Disabled" and "Disabled" not in answers[:-1]
    locks = [
        datetime.fromisoformat(a.removeprefix("Locked until ")) for a in answers if "until" in a
    ]
    assert len(locks) == 33
    assert state_of(KNOWN) == state_of(UNKNOWN) == (0, 100, True)
    # Blocked for good, even with the right passport number and years later.
    later = now + timedelta(days=3650)
    assert attempt(KNOWN, PASSPORT, now=later, ip="10.9.9.9") == "Disabled"
    assert attempt(UNKNOWN, PASSPORT, now=later, ip="10.9.9.8") == "Disabled"
    notices = OutboxMessage.objects.filter(purpose="identification_disabled")
    assert sorted(notices.values_list("channel", "to")) == [
        ("email", "eva@example.dk"),
        ("sms", "+4520123456"),
    ]
    assert "passport" in notices.first().text
    refused = AuditEvent.objects.filter(action="order.identify", outcome="refused")
    assert list(refused.values_list("data", flat=True)[:2]) == [{"because": "disabled"}] * 2


def test_the_locks_grow_from_fifteen_minutes_to_a_day(person):
    now, lengths = NOW, []
    while len(lengths) < 10:
        answer = attempt(KNOWN, "999999999", now=now)
        if answer.startswith("Locked"):
            lengths.append(wait_out(answer, now) - now)
        now = wait_out(answer, now)
    minutes = [int(length.total_seconds()) // 60 for length in lengths]
    assert minutes == [15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440]


def block(cpr: str, *, ip: str = "10.0.0.1") -> datetime:
    now = NOW
    for _ in range(100):
        now = wait_out(attempt(cpr, "999999999", now=now, ip=ip), now)
    assert attempt(cpr, PASSPORT, now=now, ip="10.9.9.9") == "Disabled"
    return now


def test_a_login_with_segl_opens_identification_again(person):
    now = block(KNOWN)
    identification_recover(person=person, now=now, ip="10.0.0.7")
    assert state_of(KNOWN) == (0, 0, False)
    assert attempt(KNOWN, PASSPORT, now=now, ip="10.0.0.8").startswith("person")
    assert AuditEvent.objects.filter(action="order.identification_recover").count() == 1
    # A fresh count: the limit is a hundred wrong tries again.
    assert attempt(KNOWN, "999999999", now=now, ip="10.0.0.8") == "OrderRefused"
    assert state_of(KNOWN) == (1, 1, False)


def test_an_address_gets_growing_locks_but_is_never_blocked(person):
    """An address is no one's account: many people may share it."""
    now, answers = NOW, []
    for n in range(150):
        answers.append(attempt(f"0303{n:06d}", "999999999", now=now, ip="10.0.0.1"))
        now = wait_out(answers[-1], now)
    assert "Disabled" not in answers and answers.count("OrderRefused") == 100
    # A success there (a citizen who got it right) ends the address's running total, so the
    # next lock is a short one again; it does not end the run of wrong tries in a row.
    assert attempt(KNOWN, PASSPORT, now=now, ip="10.0.0.1").startswith("person")
    others = [attempt(f"0404{n:06d}", "1", now=now, ip="10.0.0.1") for n in range(3)]
    until = now + timedelta(minutes=15)
    assert others == ["OrderRefused", "OrderRefused", f"Locked until {until.isoformat()}"]
