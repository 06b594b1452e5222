"""The password at the server: 5 wrong in a row lock it for a configurable time (default 15 min)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.core.errors import Locked, WrongPassword
from segl.identities.models import Identity
from segl.identities.services import identity_verify_password
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"


def verify(person, password: str, now: datetime) -> None:
    identity_verify_password(identity_id=person.identity.pk, password=password, now=now)


def test_four_wrong_passwords_do_not_lock(anna):
    now = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            verify(anna, WRONG, now)
    verify(anna, PASSWORD, now)
    identity = Identity.objects.get(pk=anna.identity.pk)
    assert identity.password_failures == 0 and identity.password_locked_until is None


def test_the_fifth_wrong_password_locks_for_15_minutes_then_it_works_again(anna):
    now = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            verify(anna, WRONG, now)
    with pytest.raises(Locked) as locked:
        verify(anna, WRONG, now)
    until = now + timedelta(minutes=15)
    assert locked.value.until == until
    assert Identity.objects.get(pk=anna.identity.pk).password_locked_until == until
    # While locked even the right password is refused, and the refusal is audited as such.
    with pytest.raises(Locked):
        verify(anna, PASSWORD, until - timedelta(seconds=1))
    assert AuditEvent.objects.filter(action="password.verify").last().outcome == "locked"
    # The lock ends at ``until`` itself.
    verify(anna, PASSWORD, until)


def test_a_right_password_ends_the_run_of_wrong_ones(anna):
    now = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            verify(anna, WRONG, now)
    verify(anna, PASSWORD, now)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            verify(anna, WRONG, now)
    assert Identity.objects.get(pk=anna.identity.pk).password_failures == 4


def test_the_password_lock_time_is_configurable(anna, config):
    config(password_lock_minutes=3)
    now = datetime.now(UTC)
    for _ in range(4):
        with pytest.raises(WrongPassword):
            verify(anna, WRONG, now)
    with pytest.raises(Locked) as locked:
        verify(anna, WRONG, now)
    assert locked.value.until == now + timedelta(minutes=3)


def test_wrong_passwords_are_counted_and_audited_even_though_they_raise(anna):
    now = datetime.now(UTC)
    with pytest.raises(WrongPassword):
        verify(anna, WRONG, now)
    assert Identity.objects.get(pk=anna.identity.pk).password_failures == 1
    event = AuditEvent.objects.filter(action="password.verify").last()
    assert event.outcome == "wrong" and event.subject == anna.user_id
