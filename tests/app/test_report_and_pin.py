"""What the app's own screens rest on: "I did not start this" pauses the identity's apps for an
hour and the app says so, a new PIN by the current one (same rules, same lock), an activation
with an empty field is told which, and the app is told how long a weakening change waits."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from segl import clock
from segl.app import services
from segl.app.models import AppInstance, AppRequest
from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator
from segl.notify.models import OutboxMessage
from tests.app.conftest import PIN, emulator, issue_code
from tests.app.test_login_with_app import _flow_id, start_app_login
from tests.app.test_rules import bound, instance_of, refused
from tests.conftest import LoginDriver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _real_time_after():
    yield
    clock.reset()


def app_policy(config: Any, **values: int) -> None:
    config(app=dataclasses.replace(settings.CONFIG.app, **values))


# -- "I did not start this" ---------------------------------------------------------------------


def test_a_report_pauses_the_apps_for_an_hour_and_the_app_says_until_when(driver, bo, rp):
    _, shown = bound(driver, bo, approval_text="Transfer 5000 DKK")
    assert shown["report_pause_minutes"] == 60
    answer = bo.app.call(
        "POST",
        f"requests/{shown['request']}/answer",
        {"approval": bo.app.sign(bo.user_id, shown, "fraud")},
        key=bo.app.registration(bo.user_id).key,
    )
    assert answer["status"] == "rejected"
    until = datetime.fromisoformat(answer["paused_until"])
    assert timedelta(minutes=59) < until - datetime.now(UTC) <= timedelta(minutes=60)

    # Whoever started it tries again at once: no request reaches Bo's app. Their page shows
    # what it shows for a user ID without an app (a request no app sees), not the pause.
    english = Client()
    english.cookies["django_language"] = "en"
    again = LoginDriver(english, rp)
    second, _, _ = start_app_login(again, bo)
    assert not AppRequest.objects.filter(flow_id=_flow_id(second), identity__isnull=False)
    assert AppRequest.objects.get(flow_id=_flow_id(second)).identity is None
    assert bo.app.pending(bo.user_id) is None
    page = again.client.get(second).content.decode()
    assert "takes no login requests" not in page and "data-qr" in page
    assert AuditEvent.objects.filter(action="app.request", outcome="paused").count() == 1

    # Bo's app is told until when, while it waits for a login.
    waiting = bo.app.call("GET", "requests/pending", key=bo.app.registration(bo.user_id).key)
    assert waiting == {"request": None, "paused_until": answer["paused_until"]}

    # The notice names the pause.
    notice = OutboxMessage.objects.get(purpose="fraud_reported_in_app", channel="sms")
    assert "60 minutes" in notice.text and "60 minutter" in notice.text

    # An hour later, the app can be asked again.
    clock.move(timedelta(minutes=61))
    third, _, _ = start_app_login(LoginDriver(Client(), rp), bo)
    assert AppRequest.objects.get(flow_id=_flow_id(third)).identity is not None
    waiting = bo.app.call("GET", "requests/pending", key=bo.app.registration(bo.user_id).key)
    assert waiting["request"] is not None and waiting["paused_until"] is None


def test_a_plain_reject_pauses_nothing(driver, bo, rp):
    _, shown = bound(driver, bo)
    answer = bo.app.call(
        "POST",
        f"requests/{shown['request']}/answer",
        {"approval": bo.app.sign(bo.user_id, shown, "reject")},
        key=bo.app.registration(bo.user_id).key,
    )
    assert answer == {"status": "rejected", "paused_until": None}
    url, _, _ = start_app_login(LoginDriver(Client(), rp), bo)
    assert AppRequest.objects.filter(flow_id=_flow_id(url)).exists()


def test_a_late_report_pauses_the_apps_too(driver, bo, rp):
    url, shown = bound(driver, bo, approval_text="Transfer 9000 DKK")
    driver.client.post(url + "cancel/")
    assert refused(bo.app.answer, bo.user_id, shown, "fraud").reason == "request_cancelled"
    assert services.paused_until(bo.person.identity.pk, datetime.now(UTC)) is not None
    second, _, _ = start_app_login(LoginDriver(Client(), rp), bo)
    assert AppRequest.objects.get(flow_id=_flow_id(second)).identity is None
    assert bo.app.pending(bo.user_id) is None


def test_the_pause_is_configured(driver, bo, config):
    app_policy(config, report_pause_minutes=15)
    _, shown = bound(driver, bo)
    assert shown["report_pause_minutes"] == 15
    bo.app.answer(bo.user_id, shown, "fraud")
    until = services.paused_until(bo.person.identity.pk, datetime.now(UTC))
    assert until is not None
    assert until - datetime.now(UTC) <= timedelta(minutes=15)


def reports() -> tuple[int, int]:
    """The reports recorded and the notices sent about them."""
    return (
        AuditEvent.objects.filter(action="fraud.report").count(),
        OutboxMessage.objects.filter(purpose="fraud_reported_in_app", channel="sms").count(),
    )


def test_a_report_sent_again_changes_nothing(driver, bo):
    """The signed report is single-use, as every signed answer is: sent again half an hour
    later, it neither makes the pause longer nor sends the citizen another notice."""
    clock.freeze()
    _, shown = bound(driver, bo)
    key = bo.app.registration(bo.user_id).key
    signed = bo.app.sign(bo.user_id, shown, "fraud")
    path = f"requests/{shown['request']}/answer"
    bo.app.call("POST", path, {"approval": signed}, key=key)
    identity = bo.person.identity.pk
    until = services.paused_until(identity, clock.now())
    assert until is not None and reports() == (1, 1)
    clock.move(timedelta(minutes=30))
    for again in (signed, bo.app.sign(bo.user_id, shown, "fraud")):
        error = refused(bo.app.call, "POST", path, {"approval": again}, key=key)
        assert error.reason == "request_answered"
    assert services.paused_until(identity, clock.now()) == until
    assert reports() == (1, 1)


def test_a_late_report_counts_once(driver, bo):
    clock.freeze()
    url, shown = bound(driver, bo)
    driver.client.post(url + "cancel/")
    assert refused(bo.app.answer, bo.user_id, shown, "fraud").reason == "request_cancelled"
    identity = bo.person.identity.pk
    until = services.paused_until(identity, clock.now())
    assert until is not None and reports() == (1, 1)
    clock.move(timedelta(minutes=30))
    assert refused(bo.app.answer, bo.user_id, shown, "fraud").reason == "request_expired"
    assert services.paused_until(identity, clock.now()) == until
    assert reports() == (1, 1)


def test_a_report_refused_while_the_login_still_waits_changes_nothing(driver, bo, config):
    """A report the app could still answer (its unlock ran out) is no late report: it is
    refused like any answer, and counts once the app is unlocked again."""
    app_policy(config, unlock_seconds=30)
    clock.freeze()
    _, shown = bound(driver, bo)
    clock.move(timedelta(seconds=31))
    assert refused(bo.app.answer, bo.user_id, shown, "fraud").reason == "unlock_needed"
    assert services.paused_until(bo.person.identity.pk, clock.now()) is None
    assert reports() == (0, 0)
    request = AppRequest.objects.get(pk=shown["request"])
    assert (request.status, request.reason, request.answered_at) == ("bound", "", None)
    bo.app.unlock(bo.user_id, PIN)
    assert bo.app.answer(bo.user_id, shown, "fraud") == "rejected"
    assert reports() == (1, 1)


# -- changing the PIN ---------------------------------------------------------------------------


def test_the_pin_is_changed_by_the_current_one(bo):
    bo.app.change_pin(bo.user_id, PIN, "1357")
    assert refused(bo.app.unlock, bo.user_id, PIN).reason == "pin_wrong"
    bo.app.unlock(bo.user_id, "1357")
    assert AuditEvent.objects.filter(action="app.pin_change", outcome="ok").count() == 1
    notice = OutboxMessage.objects.get(purpose="app_pin_changed", channel="sms")
    assert notice.to == bo.person.identity.person.phone


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("12", "pin_length"),
        ("12a4", "pin_digits"),
        ("1111", "pin_too_simple"),
        ("9876", "pin_too_simple"),
        (PIN, "pin_same"),
    ],
)
def test_a_new_pin_follows_the_activation_rules(bo, new, reason):
    error = refused(bo.app.change_pin, bo.user_id, PIN, new)
    assert (error.status, error.reason) == (400, reason)
    bo.app.unlock(bo.user_id, PIN)  # unchanged
    assert instance_of(bo).pin_failures == 0


def test_a_weak_new_pin_costs_no_try_and_a_wrong_current_one_counts(bo):
    refused(bo.app.change_pin, bo.user_id, "9999", "12")
    assert instance_of(bo).pin_failures == 0
    error = refused(bo.app.change_pin, bo.user_id, "9999", "1357")
    assert (error.status, error.reason, error.body["remaining"]) == (403, "pin_wrong", 4)
    for _ in range(3):
        refused(bo.app.unlock, bo.user_id, "9999")
    error = refused(bo.app.change_pin, bo.user_id, "9999", "1357")
    assert (error.status, error.reason) == (403, "app_locked")
    assert instance_of(bo).authenticator.status == Authenticator.Status.SUSPENDED
    # Locked: not even the right PIN changes it.
    assert refused(bo.app.change_pin, bo.user_id, PIN, "1357").reason == "app_locked"


def test_a_pin_change_needs_both_pins(bo):
    key = bo.app.registration(bo.user_id).key
    error = refused(bo.app.call, "POST", "settings/pin", {"pin": "1357"}, key=key)
    assert (error.status, error.reason) == (400, "old_pin_missing")
    error = refused(bo.app.call, "POST", "settings/pin", {"old_pin": PIN, "pin": 1357}, key=key)
    assert (error.status, error.reason) == (400, "pin_missing")


# -- activation and settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_id", "code", "reason"),
    [
        ("", "", "user_id_missing"),
        ("  ", "ABCD", "user_id_missing"),
        ("bo", " - ", "activation_code_missing"),
    ],
)
def test_an_empty_activation_field_is_named(user_id, code, reason):
    app = emulator()
    error = refused(app.start_activation, user_id, code)
    assert (error.status, error.reason) == (400, reason)
    assert not AuditEvent.objects.filter(action="app.activation_start").exists()


def test_a_wrong_code_is_still_not_told_apart_from_a_wrong_user_id(bo):
    error = refused(emulator().start_activation, "someone-else", issue_code(bo.person))
    assert error.reason == "activation_code_invalid"


def test_the_app_is_told_how_long_one_time_codes_wait(bo, config):
    assert bo.app.me(bo.user_id)["weakening_delay_hours"] == 24
    app_policy(config, weakening_delay_hours=2)
    assert bo.app.me(bo.user_id)["weakening_delay_hours"] == 2


def test_the_pin_lives_on_the_server(bo):
    """The PIN is checked by segl (an Argon2id hash), not by the app: a new app key cannot get
    around it, and the hash changes with the PIN."""
    before = instance_of(bo).pin_hash
    bo.app.change_pin(bo.user_id, PIN, "1357")
    after = AppInstance.objects.get(pk=instance_of(bo).pk).pin_hash
    assert after != before and after.startswith("$argon2id$")


def test_the_app_is_segl_appen_in_lower_case_at_the_start_of_a_line(driver, bo):
    """The method list starts each line with a capital, but not the app's name."""
    url, _, _ = start_app_login(driver, bo)
    driver.client.cookies["django_language"] = "da"
    page = driver.client.get(url + "method/").content.decode()
    assert re.search(r"<label for=\"[^\"]+\">segl-appen</label>", page), page
    assert "Segl-appen" not in page
    assert re.search(r"<label for=\"[^\"]+\">Kodeviser</label>", page), page
