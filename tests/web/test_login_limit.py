"""A hundred wrong codes, through segl's pages: a real code display and an unknown user ID are
suspended for ever longer alike, and blocked alike at the limit (the decoy must not reopen)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from segl.audit.models import AuditEvent
from segl.authenticators.models import Device
from segl.core import otp
from segl.flows.models import UnknownUserThrottle
from segl.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db

BLOCKED = "blocked after too many wrong one-time codes"
SUSPENDED = "suspended because a wrong one-time code was entered 3 times in a row"


def seen(page: str, url: str) -> str:
    """The page as a citizen reads it: without the flow's address, form tokens and the time of
    day a suspension ends (compared apart, from the rows)."""
    page = re.sub(r'value="[^"]{30,}"', "", page.replace(url, ""))
    return re.sub(r"\b\d\d:\d\d\b", "HH:MM", page)


def test_a_hundred_wrong_codes_block_a_real_device_and_an_unknown_user_id_alike(driver, anna):
    urls = {}
    for user_id in (anna.user_id, "nobody-here"):
        urls[user_id], _, _ = driver.start()
        driver.user_id(urls[user_id], user_id)
    now = timezone.now()
    near = {otp.totp_code(anna.token.secret, now + timedelta(seconds=30 * k)) for k in range(-9, 9)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in near)
    device = Device.objects.filter(serial=anna.token.serial)
    pages: dict[str, list[str]] = {user_id: [] for user_id in urls}
    lengths = []
    for _ in range(101):
        for user_id, url in urls.items():
            response = driver.code(url, wrong)
            assert response.status_code == 200
            pages[user_id].append(seen(response.content.decode(), url))
        real, decoy = device.get().locked_until, UnknownUserThrottle.objects.get().locked_until
        assert (real is None) == (decoy is None)
        if real is not None and decoy is not None:
            assert abs(real - decoy) < timedelta(seconds=10)
            lengths.append(round((real - timezone.now()).total_seconds() / 60))
            # Wait the suspension out, as a patient attacker would.
            gone = timezone.now() - timedelta(seconds=1)
            device.update(locked_until=gone)
            UnknownUserThrottle.objects.update(locked_until=gone)
    real_pages, decoy_pages = pages.values()
    assert real_pages == decoy_pages
    assert SUSPENDED in real_pages[2] and BLOCKED not in "".join(real_pages[:99])
    assert BLOCKED in real_pages[99] and BLOCKED in real_pages[100]
    assert lengths[:9] == [15, 30, 60, 120, 240, 480, 960, 1440, 1440] and len(lengths) == 33
    assert device.get().failures_total == UnknownUserThrottle.objects.get().failures_total == 100
    assert OutboxMessage.objects.filter(purpose="authenticator_disabled").count() == 1
    # The decoy writes what the device writes, try for try: the same work, the same trail.
    for action in ("code.verify", "device.suspend_temporarily", "device.disable"):
        events = AuditEvent.objects.filter(action=action, at__gte=now)
        by_device = events.filter(subject=anna.token.serial).count()
        assert by_device == events.filter(data__unknown_user=True).count() > 0, action


def test_a_blocked_password_is_told_at_the_password_step(driver, anna, config):
    from segl.core.errors import SeglError
    from segl.identities.services import identity_verify_password

    config(failure_limit=10)  # each wrong password costs Argon2
    now = timezone.now() - timedelta(days=2)
    for _ in range(10):
        try:
            identity_verify_password(identity_id=anna.identity.pk, password="no", now=now)
        except SeglError as exc:
            now = getattr(exc, "until", now)
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    driver.code(url, anna.token.code())
    page = driver.password(url).content.decode()
    assert "Your password is blocked after too many wrong attempts" in page
