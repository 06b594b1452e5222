"""The limit of wrong one-time codes since the last accepted one (NIST SP 800-63B rev 4
§3.2.2): growing suspensions, then the device is blocked for good and its owner is told;
activating another device takes its place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator, Device
from segl.authenticators.services import (
    DeviceError,
    device_activate,
    device_resync,
    device_verify_code,
)
from segl.core import otp
from segl.core.errors import Disabled, InvalidCode, Locked, SeglError
from segl.notify.models import OutboxMessage
from tests.conftest import PASSWORD, Token, make_device, make_hotp_device

pytestmark = pytest.mark.django_db

WRONG = ("000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777")


def wrong_code(token: Token, now: datetime) -> str:
    """A code the device does not show anywhere near ``now``."""
    near = {otp.totp_code(token.secret, now + timedelta(seconds=30 * k)) for k in range(-3, 4)}
    return next(code for code in WRONG if code not in near)


def answer(device: Device, code: str, now: datetime) -> SeglError | None:
    try:
        device_verify_code(device_id=device.pk, code=code, now=now)
    except SeglError as exc:
        return exc
    return None


def fail_until_blocked(token: Token, now: datetime) -> tuple[list[SeglError | None], datetime]:
    """Wrong codes as an attacker sends them: one as soon as each suspension ends."""
    device = Device.objects.get(serial=token.serial)
    answers: list[SeglError | None] = []
    while not isinstance(answers[-1:] and answers[-1], Disabled):
        answers.append(answer(device, wrong_code(token, now), now))
        now = answers[-1].until if isinstance(answers[-1], Locked) else now + timedelta(seconds=1)
        assert len(answers) <= 100
    return answers, now


def test_a_hundred_wrong_codes_block_the_device_and_tell_its_owner(anna):
    start = datetime.now(UTC)
    answers, now = fail_until_blocked(anna.token, start)
    assert len(answers) == 100 and isinstance(answers[-1], Disabled)
    assert all(isinstance(a, InvalidCode | Locked) for a in answers[:-1])
    # Each suspension since the last accepted code is twice as long, up to a day.
    locks = [a for a in answers if isinstance(a, Locked)]
    assert len(locks) == 33
    device = Device.objects.get(serial=anna.token.serial)
    assert (device.failures_total, device.disabled_at is not None) == (100, True)
    # Blocked for good: the right code, a year later, is refused, and the refusal audited.
    later = now + timedelta(days=365)
    assert isinstance(answer(device, anna.token.code(later), later), Disabled)
    assert AuditEvent.objects.filter(action="code.verify", outcome="disabled").count() == 1
    assert AuditEvent.objects.filter(action="device.disable", subject=device.serial).count() == 1
    # The owner is told, by SMS (make_person gives a phone number).
    notice = OutboxMessage.objects.get(purpose="authenticator_disabled")
    assert notice.to == anna.identity.person.phone and "code display" in notice.text


def test_an_event_token_is_blocked_alike_and_a_resync_does_not_bring_it_back(db):
    """An HOTP token's look-ahead window makes each guess cover about 11 codes: the limit counts
    guesses, so the attacker's chance stays bounded."""
    secret = b"12345678901234567890"
    device = make_hotp_device("CD0888888888", secret)
    window = {otp.hotp_code(secret, n) for n in range(100)}
    wrong = next(code for code in WRONG if code not in window)
    now, answers = datetime.now(UTC), []
    while not answers or not isinstance(answers[-1], Disabled):
        try:
            device_verify_code(device_id=device.pk, code=wrong, now=now, usable=("in_stock",))
        except SeglError as exc:
            answers.append(exc)
        now = answers[-1].until if isinstance(answers[-1], Locked) else now
        assert len(answers) <= 100
    assert len(answers) == 100
    with pytest.raises(DeviceError) as caught:
        codes = otp.hotp_code(secret, 0), otp.hotp_code(secret, 1)
        device_resync(serial=device.serial, code1=codes[0], code2=codes[1], now=now)
    assert caught.value.reason == "disabled"
    with pytest.raises(Disabled):
        device_verify_code(
            device_id=device.pk, code=otp.hotp_code(secret, 0), now=now, usable=("in_stock",)
        )


def test_the_suspensions_grow_from_the_configured_length_to_a_day(anna, config):
    config(code_lock_minutes=10)
    start = datetime.now(UTC)
    device = Device.objects.get(serial=anna.token.serial)
    now, lengths = start, []
    while len(lengths) < 10:
        refusal = answer(device, wrong_code(anna.token, now), now)
        if isinstance(refusal, Locked):
            lengths.append(int((refusal.until - now).total_seconds()) // 60)
            now = refusal.until
    assert lengths == [10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440]


def test_a_right_code_ends_the_running_total(anna):
    device = Device.objects.get(serial=anna.token.serial)
    now = datetime.now(UTC)
    for _ in range(2):
        for _ in range(3):
            refusal = answer(device, wrong_code(anna.token, now), now)
        assert isinstance(refusal, Locked)
        now = refusal.until
    device.refresh_from_db()
    assert device.failures_total == 6
    assert answer(device, anna.token.code(now), now) is None
    device.refresh_from_db()
    assert (device.failures, device.failures_total) == (0, 0)


def test_a_lower_configured_limit_blocks_sooner(anna, config):
    config(failure_limit=10)
    answers, _ = fail_until_blocked(anna.token, datetime.now(UTC))
    assert len(answers) == 10 and isinstance(answers[-1], Disabled)


def test_activating_another_device_takes_the_place_of_a_blocked_one(anna):
    """At a citizen service centre (or on the portal, after a login or an identification with
    CPR number and passport number): a new device of the same kind retires the blocked one."""
    blocked = Device.objects.get(serial=anna.token.serial)
    _, now = fail_until_blocked(anna.token, datetime.now(UTC))
    new = make_device("code_display")
    device_activate(
        identity=anna.identity, serial=new.serial, code=new.code(now), now=now, password=PASSWORD
    )
    old = Authenticator.objects.get(device=blocked)
    assert old.status == Authenticator.Status.RETIRED
    fresh = Device.objects.get(serial=new.serial)
    later = now + timedelta(minutes=1)
    assert answer(fresh, new.code(later), later) is None
