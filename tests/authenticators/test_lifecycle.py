"""Suspend, reinstate and retire as services: each step follows segl.core.lifecycle under the
row lock, moves the device with its authenticator, and is audited, refused steps too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator
from segl.authenticators.services import (
    authenticator_reinstate,
    authenticator_retire,
    authenticator_suspend,
)
from segl.core.errors import AppProtocolError, TransitionRefused
from tests.app.conftest import activate, emulator
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def statuses(auth: Authenticator) -> tuple[str, str | None]:
    auth.refresh_from_db()
    device = auth.device
    if device is not None:
        device.refresh_from_db()
    return auth.status, device.status if device else None


def audited(action: str) -> list[tuple[str, dict]]:
    return [(e.outcome, e.data) for e in AuditEvent.objects.filter(action=action).order_by("pk")]


def test_each_step_moves_the_authenticator_and_its_device_and_is_audited(clock):
    person = make_person("life-steps")
    auth = Authenticator.objects.get(identity=person.identity)
    authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="lost", actor="desk")
    assert statuses(auth) == ("suspended", "suspended")
    authenticator_reinstate(authenticator_id=auth.pk, now=clock(), actor="desk")
    assert statuses(auth) == ("active", "active")
    authenticator_retire(authenticator_id=auth.pk, now=clock(), actor="desk")
    assert statuses(auth) == ("retired", "retired") and auth.retired_at == clock()
    kind = {"kind": "code_display"}
    assert audited("authenticator.suspend") == [("ok", {**kind, "reason": "lost"})]
    assert audited("authenticator.reinstate") == [("ok", kind)]
    assert audited("authenticator.retire") == [("ok", kind)]


def test_a_retired_authenticator_is_never_revived_and_each_refusal_is_audited(clock):
    person = make_person("life-retired")
    auth = Authenticator.objects.get(identity=person.identity)
    authenticator_retire(authenticator_id=auth.pk, now=clock())
    retired_at = clock()
    clock.advance(timedelta(minutes=1))
    with pytest.raises(TransitionRefused) as refused:
        authenticator_reinstate(authenticator_id=auth.pk, now=clock(), actor="desk")
    assert (refused.value.code, refused.value.status, refused.value.event) == (
        "lifecycle_refused",
        "retired",
        "reinstate",
    )
    with pytest.raises(TransitionRefused):
        authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="fraud")
    with pytest.raises(TransitionRefused):
        authenticator_retire(authenticator_id=auth.pk, now=clock())
    assert statuses(auth) == ("retired", "retired") and auth.retired_at == retired_at
    kind = {"kind": "code_display", "status": "retired"}
    assert audited("authenticator.reinstate") == [("refused", kind)]
    assert audited("authenticator.suspend") == [("refused", {**kind, "reason": "fraud"})]
    assert [outcome for outcome, _ in audited("authenticator.retire")] == ["ok", "refused"]


def test_suspending_twice_is_refused_and_the_first_reason_stands(clock):
    person = make_person("life-twice")
    auth = Authenticator.objects.get(identity=person.identity)
    authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="lost")
    with pytest.raises(TransitionRefused):
        authenticator_suspend(authenticator_id=auth.pk, now=clock(), reason="fraud")
    assert statuses(auth) == ("suspended", "suspended")


def test_an_app_locked_by_wrong_pins_is_suspended_through_the_lifecycle(clock):
    from segl.app.emulator import AppError
    from segl.app.services import policy

    person = make_person("life-app-pin", kinds=())
    app = emulator()
    activate(app, person)
    for _ in range(policy().pin_max_failures):
        with pytest.raises(AppError, match=r"pin_wrong|app_locked"):
            app.unlock(person.user_id, "1397")
    auth = Authenticator.objects.get(identity=person.identity, kind="app")
    assert statuses(auth) == ("suspended", None)
    assert audited("authenticator.suspend") == [("ok", {"kind": "app", "reason": "app_locked"})]


def test_wrong_pins_on_a_retired_app_do_not_bring_it_back_as_suspended(clock):
    """Before the lifecycle, locking the app set its authenticator to suspended whatever it
    was, and an operator's reinstatement would then have revived a retired one."""
    from segl.app.models import AppInstance
    from segl.app.services import app_unlock, policy

    person = make_person("life-app-retired", kinds=())
    activate(emulator(), person)
    auth = Authenticator.objects.get(identity=person.identity, kind="app")
    authenticator_retire(authenticator_id=auth.pk, now=clock(), actor="citizen")
    instance = AppInstance.objects.get(authenticator=auth)
    for _ in range(policy().pin_max_failures):
        with pytest.raises(AppProtocolError, match=r"pin_wrong|app_locked"):
            app_unlock(instance_id=instance.pk, pin="1397", now=clock())
    instance.refresh_from_db()
    assert instance.locked_at == clock()
    assert statuses(auth) == ("retired", None)
    with pytest.raises(TransitionRefused):
        authenticator_reinstate(authenticator_id=auth.pk, now=clock())
