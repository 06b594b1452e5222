"""One-time codes at the server: replay, concurrency, suspension, drift, activation rules."""

from __future__ import annotations

import base64
import secrets
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator, Device
from segl.authenticators.services import DeviceError, device_activate, device_verify_code
from segl.core import otp
from segl.core.errors import InvalidCode, Locked, PasswordRejected, ReplayedCode
from segl.core.pskc import TokenSeed
from segl.core.secrets import Secret
from segl.keys import device_aad, keyring
from tests.conftest import PASSWORD, make_device, make_hotp_device, make_person


def _device(token) -> Device:
    return Device.objects.get(serial=token.serial)


@pytest.mark.django_db
def test_a_code_is_accepted_once(anna):
    now = datetime.now(UTC)
    device = _device(anna.token)
    code = otp.totp_code(anna.token.secret, now)
    device_verify_code(device_id=device.pk, code=code, now=now)
    with pytest.raises(ReplayedCode):
        device_verify_code(device_id=device.pk, code=code, now=now)
    # An earlier code is refused too, once a later one was accepted.
    earlier = otp.totp_code(anna.token.secret, now - timedelta(seconds=30))
    with pytest.raises(ReplayedCode):
        device_verify_code(device_id=device.pk, code=earlier, now=now)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_code_exactly_one_wins():
    anna = make_person("concurrent-1")
    device = _device(anna.token)
    now = datetime.now(UTC)
    code = otp.totp_code(anna.token.secret, now)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def attempt() -> None:
        try:
            barrier.wait()
            device_verify_code(device_id=device.pk, code=code, now=now)
            results.append("ok")
        except (ReplayedCode, Locked):
            # Replays count as wrong codes: the third one suspends the token.
            results.append("refused")
        finally:
            close_old_connections()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused", "refused", "refused"]


@pytest.mark.django_db
def test_three_wrong_codes_in_a_row_suspend_for_15_minutes(anna):
    now = datetime.now(UTC)
    device = _device(anna.token)
    good = otp.totp_code(anna.token.secret, now)
    wrong = anna.token.wrong_codes(3, now)
    for code in wrong[:2]:
        with pytest.raises(InvalidCode):
            device_verify_code(device_id=device.pk, code=code, now=now)
    with pytest.raises(Locked) as locked:
        device_verify_code(device_id=device.pk, code=wrong[2], now=now)
    assert locked.value.until == now + timedelta(minutes=15)
    # While suspended even the right code is refused ...
    with pytest.raises(Locked):
        device_verify_code(device_id=device.pk, code=good, now=now + timedelta(minutes=14))
    # ... and afterwards it works again.
    later = now + timedelta(minutes=15, seconds=1)
    device_verify_code(device_id=device.pk, code=otp.totp_code(anna.token.secret, later), now=later)


@pytest.mark.django_db
def test_a_right_code_resets_the_count(anna):
    now = datetime.now(UTC)
    device = _device(anna.token)
    good = otp.totp_code(anna.token.secret, now)
    for code in anna.token.wrong_codes(2, now):
        with pytest.raises(InvalidCode):
            device_verify_code(device_id=device.pk, code=code, now=now)
    device_verify_code(device_id=device.pk, code=good, now=now)
    assert _device(anna.token).failures == 0


@pytest.mark.django_db
def test_suspension_time_is_configurable(anna, config):
    config(code_lock_minutes=2)
    now = datetime.now(UTC)
    device = _device(anna.token)
    wrong = anna.token.wrong_codes(3, now)
    for code in wrong[:2]:
        with pytest.raises(InvalidCode):
            device_verify_code(device_id=device.pk, code=code, now=now)
    with pytest.raises(Locked) as locked:
        device_verify_code(device_id=device.pk, code=wrong[2], now=now)
    assert locked.value.until == now + timedelta(minutes=2)


@pytest.mark.django_db
def test_drift_is_learnt_per_token(anna):
    now = datetime.now(UTC)
    device = _device(anna.token)
    # The token's clock runs one step ahead; accepted within the window, the drift is kept.
    device_verify_code(
        device_id=device.pk,
        code=otp.totp_code(anna.token.secret, now + timedelta(seconds=30)),
        now=now,
    )
    assert _device(anna.token).drift == 1
    # Two steps ahead of the server now, but one step from the learnt drift: accepted.
    later = now + timedelta(seconds=60)
    device_verify_code(
        device_id=device.pk,
        code=otp.totp_code(anna.token.secret, later + timedelta(seconds=60)),
        now=later,
    )
    assert _device(anna.token).drift == 2


@pytest.mark.django_db
def test_failures_are_audited(anna):
    now = datetime.now(UTC)
    device = _device(anna.token)
    with pytest.raises(InvalidCode):
        device_verify_code(device_id=device.pk, code=anna.token.wrong_code(now), now=now)
    event = AuditEvent.objects.filter(action="code.verify").last()
    assert event.outcome == "code_invalid" and event.subject == anna.token.serial


@pytest.mark.django_db
def test_suspended_authenticator_cannot_log_in(anna):
    from segl.authenticators.services import authenticator_suspend

    auth = Authenticator.objects.get(identity=anna.identity)
    authenticator_suspend(authenticator_id=auth.pk, now=datetime.now(UTC), reason="lost")
    now = datetime.now(UTC)
    with pytest.raises(DeviceError):
        device_verify_code(
            device_id=auth.device_id, code=otp.totp_code(anna.token.secret, now), now=now
        )


@pytest.mark.django_db
def test_seeds_are_encrypted_at_rest_and_bound_to_their_serial(anna):
    device = _device(anna.token)
    # AES-GCM under the active key, named in the token; the seed in no readable form.
    assert device.seed.startswith(f"v1.{keyring().active}.")
    secret = anna.token.secret
    for encode in (base64.b16encode, base64.b32encode, base64.b64encode, base64.urlsafe_b64encode):
        for form in (encode(secret).decode().rstrip("="), encode(secret).decode().lower()):
            assert form.rstrip("=") not in device.seed
    assert keyring().decrypt(device.seed, aad=device_aad(device.serial)) == anna.token.secret
    other = make_device()
    from segl.core.errors import SecretError

    with pytest.raises(SecretError):
        keyring().decrypt(device.seed, aad=device_aad(other.serial))
    assert anna.token.secret.hex() not in repr(device)


@pytest.mark.django_db
def test_activation_retires_the_old_device_of_the_kind(anna):
    old = Authenticator.objects.get(identity=anna.identity)
    new = make_device()
    now = datetime.now(UTC)
    auth = device_activate(identity=anna.identity, serial=new.serial, code=new.code(now), now=now)
    old.refresh_from_db()
    assert old.status == "retired" and old.device.status == "retired"
    assert auth.status == "active" and _device(new).status == "active"
    assert Authenticator.objects.filter(identity=anna.identity, status="active").count() == 1
    event = AuditEvent.objects.filter(action="device.activate").last()
    assert event.data["retired"] == [anna.token.serial]


@pytest.mark.django_db
def test_activation_needs_the_code_shown(anna):
    new = make_device()
    now = datetime.now(UTC)
    with pytest.raises(InvalidCode):
        device_activate(
            identity=anna.identity, serial=new.serial, code=new.wrong_code(now), now=now
        )
    assert _device(new).status == "in_stock"
    assert Authenticator.objects.filter(identity=anna.identity, status="active").count() == 1


@pytest.mark.django_db
def test_a_device_assigned_to_another_person_cannot_be_activated(anna):
    bo = make_person("bo-9999")
    new = make_device()
    Device.objects.filter(serial=new.serial).update(status="assigned", assigned_to=bo.identity)
    now = datetime.now(UTC)
    with pytest.raises(DeviceError) as err:
        device_activate(identity=anna.identity, serial=new.serial, code=new.code(now), now=now)
    assert err.value.reason == "not_yours"
    assert _device(new).status == "assigned"


@pytest.mark.django_db
def test_an_active_device_cannot_be_activated_again(anna):
    bo = make_person("bo-8888")
    now = datetime.now(UTC)
    with pytest.raises(DeviceError):
        device_activate(
            identity=bo.identity, serial=anna.token.serial, code=anna.token.code(now), now=now
        )


@pytest.mark.django_db
def test_activation_with_a_weak_password_changes_nothing(anna):
    new = make_device()
    now = datetime.now(UTC)
    with pytest.raises(PasswordRejected):
        device_activate(
            identity=anna.identity,
            serial=new.serial,
            code=new.code(now),
            now=now,
            password="password1",
        )
    assert _device(new).status == "in_stock" and _device(new).last_step is None
    anna.identity.refresh_from_db()
    from segl.identities.passwords import hasher

    hasher().verify(anna.identity.password_hash, PASSWORD)


@pytest.mark.django_db
def test_unknown_serial(anna):
    with pytest.raises(DeviceError) as err:
        device_activate(
            identity=anna.identity, serial="CD9999999999", code="123456", now=datetime.now(UTC)
        )
    assert err.value.reason == "unknown_serial"


@pytest.mark.django_db
def test_hotp_token_look_ahead_and_resync(capsys):
    from segl.authenticators.services import device_resync

    secret = b"12345678901234567890"
    device = make_hotp_device("CD0999999999", secret)
    now = datetime.now(UTC)
    usable = ("in_stock",)
    # Within the look-ahead window (pressed 5 times without logging in): accepted.
    device_verify_code(device_id=device.pk, code=otp.hotp_code(secret, 5), now=now, usable=usable)
    assert Device.objects.get(pk=device.pk).counter == 6
    with pytest.raises(ReplayedCode):
        device_verify_code(
            device_id=device.pk, code=otp.hotp_code(secret, 5), now=now, usable=usable
        )
    # Far beyond the window: refused, until resynchronised by two consecutive codes.
    with pytest.raises(InvalidCode):
        device_verify_code(
            device_id=device.pk, code=otp.hotp_code(secret, 60), now=now, usable=usable
        )
    device_resync(
        serial=device.serial,
        code1=otp.hotp_code(secret, 60),
        code2=otp.hotp_code(secret, 61),
        now=now,
    )
    device_verify_code(device_id=device.pk, code=otp.hotp_code(secret, 62), now=now, usable=usable)


@pytest.mark.django_db
def test_key_rotation_re_encrypts_every_seed(anna, settings, config):
    from segl.authenticators.services import devices_rotate_seeds
    from segl.core.errors import SecretError
    from segl.core.secrets import KeyRing, format_key, generate_key

    original = settings.CONFIG.keyring
    before = _device(anna.token).seed
    config(keyring=format_key("k2", generate_key()) + "," + original)
    assert devices_rotate_seeds() == Device.objects.count()
    after = _device(anna.token).seed
    assert after != before and after.startswith("v1.k2.")
    assert keyring().decrypt(after, aad=device_aad(anna.token.serial)) == anna.token.secret
    assert devices_rotate_seeds() == 0
    with pytest.raises(SecretError):  # the old key alone no longer reads it
        KeyRing.from_config(original).decrypt(after, aad=device_aad(anna.token.serial))


@pytest.mark.django_db
def test_replayed_codes_count_as_wrong_codes(anna):
    now = datetime.now(UTC)
    device = _device(anna.token)
    code = otp.totp_code(anna.token.secret, now)
    device_verify_code(device_id=device.pk, code=code, now=now)
    for _ in range(2):
        with pytest.raises(ReplayedCode):
            device_verify_code(device_id=device.pk, code=code, now=now)
    # Otherwise a shoulder-surfed code could be tried without end.
    with pytest.raises(Locked):
        device_verify_code(device_id=device.pk, code=code, now=now)
    assert _device(anna.token).locked_until == now + timedelta(minutes=15)


def _seed(serial: str) -> TokenSeed:
    return TokenSeed(serial=serial, algorithm="totp", secret=Secret(secrets.token_bytes(20)))


@pytest.mark.django_db
def test_an_import_that_fails_late_leaves_nothing_behind(anna, monkeypatch):
    from segl.authenticators import services

    # Written in chunks; the clash is in the last one, after two chunks were written.
    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 1)
    before = set(Device.objects.values_list("serial", flat=True))
    events = AuditEvent.objects.count()
    seeds = [_seed("CD0888888881"), _seed("CD0888888882"), _seed(anna.token.serial)]
    with pytest.raises(DeviceError, match="already in the inventory"):
        services.device_import(seeds=seeds, kind_of=lambda s: "code_display", batch="late")
    assert set(Device.objects.values_list("serial", flat=True)) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_an_import_with_an_unknown_kind_imports_nothing(monkeypatch):
    from segl.authenticators import services

    monkeypatch.setattr(services, "IMPORT_BATCH_SIZE", 1)
    seeds = [_seed("CD0777777771"), _seed("XX0777777772")]
    with pytest.raises(DeviceError, match="unknown device kind"):
        services.device_import(
            seeds=seeds,
            kind_of=lambda s: "code_display" if s.serial.startswith("CD") else "phone",
            batch="kinds",
        )
    assert not Device.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["active", "suspended", "retired"])
def test_the_owner_cannot_activate_a_used_device_again(anna, state):
    """A device reported lost (suspended) or replaced (retired) stays so, whoever finds it."""
    from segl.authenticators.services import authenticator_suspend

    old = Authenticator.objects.get(identity=anna.identity)
    now = datetime.now(UTC)
    if state == "suspended":
        authenticator_suspend(authenticator_id=old.pk, now=now, reason="lost")
    elif state == "retired":
        new = make_device()
        device_activate(identity=anna.identity, serial=new.serial, code=new.code(now), now=now)
    later = now + timedelta(seconds=60)
    with pytest.raises(DeviceError) as err:
        device_activate(
            identity=anna.identity,
            serial=anna.token.serial,
            code=anna.token.code(later),
            now=later,
        )
    assert err.value.reason == f"device is {state}"
    assert _device(anna.token).status == state
    old.refresh_from_db()
    assert old.status == state
