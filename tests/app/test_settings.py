"""App settings, "QR or one-time codes" (seeds 003, 004): a change that weakens protection waits
24 hours and then needs confirming in the app; a change back to QR codes is immediate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from segl import clock
from segl.app.emulator import AppError
from segl.app.models import AppInstance
from segl.audit.models import AuditEvent
from segl.changes.models import DelayedChange
from tests.app.conftest import PIN
from tests.app.test_login_with_app import current_qr, start_app_login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _real_time_after():
    yield
    clock.reset()


def unlocked(user):
    """Unlock with the PIN at the app's (moved) time: an unlock lasts 5 minutes."""
    user.app.unlock(user.user_id, PIN)
    return user


def refused(call, *args) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args)
    return caught.value


def test_one_time_codes_take_effect_24_hours_later_and_only_when_confirmed(driver, bo):
    answer = unlocked(bo).app.set_approval_mode(bo.user_id, "code")
    assert answer["approval_mode"] == "qr"
    change = DelayedChange.objects.get()
    assert change.effective_at - change.requested_at == timedelta(hours=24)
    assert answer["pending_change"]["to"] == "code"

    # Meanwhile QR codes keep working.
    url, _, _ = start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    shown = bo.app.bind(bo.user_id, bo.app.pending(bo.user_id)["id"], qr=current_qr(url))
    assert bo.app.answer(bo.user_id, shown) == "approved"

    clock.move(timedelta(hours=23, minutes=59))
    assert refused(unlocked(bo).app.confirm_approval_mode, bo.user_id).reason == "not_yet"
    clock.move(timedelta(minutes=1))
    assert bo.app.me(bo.user_id)["approval_mode"] == "qr"  # not without confirming
    assert bo.app.confirm_approval_mode(bo.user_id)["approval_mode"] == "code"
    assert AppInstance.objects.get().approval_mode == "code"
    assert DelayedChange.objects.get().confirmed_at is not None


def test_asking_twice_does_not_restart_the_wait(bo):
    unlocked(bo).app.set_approval_mode(bo.user_id, "code")
    clock.move(timedelta(hours=12))
    unlocked(bo).app.set_approval_mode(bo.user_id, "code")
    assert DelayedChange.objects.count() == 1
    clock.move(timedelta(hours=12))
    assert unlocked(bo).app.confirm_approval_mode(bo.user_id)["approval_mode"] == "code"


def test_the_change_can_be_cancelled(bo):
    unlocked(bo).app.set_approval_mode(bo.user_id, "code")
    answer = bo.app.set_approval_mode(bo.user_id, "qr")
    assert answer["pending_change"] is None
    clock.move(timedelta(hours=25))
    assert refused(unlocked(bo).app.confirm_approval_mode, bo.user_id).reason == (
        "nothing_to_confirm"
    )
    assert AppInstance.objects.get().approval_mode == "qr"


def test_switching_back_to_qr_codes_is_immediate(bo):
    unlocked(bo).app.set_approval_mode(bo.user_id, "code")
    clock.move(timedelta(hours=24))
    unlocked(bo).app.confirm_approval_mode(bo.user_id)
    assert bo.app.set_approval_mode(bo.user_id, "qr")["approval_mode"] == "qr"
    assert AppInstance.objects.get().approval_mode == "qr"
    outcomes = list(
        AuditEvent.objects.filter(action="app.approval_mode").values_list("outcome", flat=True)
    )
    assert outcomes == ["pending", "code", "qr"]


def test_an_unknown_mode_is_refused(bo):
    assert refused(unlocked(bo).app.set_approval_mode, bo.user_id, "sms").reason == "mode_unknown"


def test_a_locked_phone_cannot_change_how_it_approves(bo):
    assert refused(bo.app.set_approval_mode, bo.user_id, "code").reason == "unlock_needed"
    unlocked(bo).app.set_approval_mode(bo.user_id, "code")
    clock.move(timedelta(hours=24))
    # The unlock of a day ago is long gone.
    assert refused(bo.app.confirm_approval_mode, bo.user_id).reason == "unlock_needed"
    assert AppInstance.objects.get().approval_mode == "qr"
