"""History: every login and approval in the citizen's name, and "This was not me"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator
from segl.identities.models import Activity
from segl.notify.models import OutboxMessage
from segl.portal.services import activate_device
from tests.app.conftest import activate, emulator
from tests.app.test_login_with_app import current_qr
from tests.conftest import PASSWORD, make_person
from tests.portal.conftest import english, portal_login, shipped_device

pytestmark = pytest.mark.django_db

TEXT = "Transfer 500.00 DKK to account 1234-567890"


def test_a_login_and_an_approval_are_in_the_history_with_rp_text_method_and_device(
    logged_in, eva, driver
):
    driver.login(eva)
    eva.token.step_offset = 1  # the next code: one code logs in once
    driver.login(eva, approval_text=TEXT, action="approve")
    rows = list(Activity.objects.filter(identity=eva.identity).order_by("at"))
    assert [r.action for r in rows] == ["log_on", "approve"]
    assert rows[1].approval_text == TEXT and rows[1].rp_name == "Test Bank"
    device = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    assert {r.authenticator_id for r in rows} == {device.pk}
    html = logged_in.get("/portal/history/").content.decode()
    assert TEXT in html and "Test Bank" in html and f"Code display {device.device.serial}" in html
    device.refresh_from_db()
    assert device.last_used_at == rows[1].at


def test_an_app_approval_names_the_app_that_approved(logged_in, eva, driver):
    app = emulator()
    activate(app, eva)
    url, *_ = driver.start()
    driver.user_id(url, eva.user_id)
    driver.post(url + "method/", {"method": "app"})  # "Change identification method"
    app.unlock(eva.user_id, "2580")
    shown = app.bind(eva.user_id, app.pending(eva.user_id)["id"], qr=current_qr(url))
    assert app.answer(eva.user_id, shown, "approve") == "approved"
    activity = Activity.objects.get(identity=eva.identity)
    assert activity.method == "app"
    assert activity.authenticator == Authenticator.objects.get(identity=eva.identity, kind="app")
    assert activity.authenticator.last_used_at == activity.at
    assert "segl app" in logged_in.get("/portal/history/").content.decode()


def test_this_was_not_me_suspends_what_was_used_and_records_a_fraud_report(logged_in, eva, driver):
    driver.login(eva)
    activity = Activity.objects.get(identity=eva.identity)
    confirm = logged_in.get(f"/portal/history/{activity.pk}/not-me/")
    assert "Report and block" in confirm.content.decode()
    assert logged_in.post(f"/portal/history/{activity.pk}/not-me/").status_code == 302
    device = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    assert (device.status, device.device.status) == ("suspended", "suspended")
    report = AuditEvent.objects.get(action="fraud.report")
    assert report.subject == eva.user_id and report.data["suspended"] is True
    assert OutboxMessage.objects.filter(purpose="fraud_report").exists()
    activity.refresh_from_db()
    assert activity.reported_at is not None
    assert "Reported" in logged_in.get("/portal/history/").content.decode()
    # Reported once; a second report changes nothing.
    logged_in.post(f"/portal/history/{activity.pk}/not-me/")
    assert AuditEvent.objects.filter(action="fraud.report").count() == 1


def test_nobody_can_report_or_see_another_persons_history(eva, driver):
    driver.login(eva)
    activity = Activity.objects.get(identity=eva.identity)
    other = portal_login(english(), make_person("nosy-one"))
    assert other.get(f"/portal/history/{activity.pk}/not-me/").status_code == 404
    assert other.post(f"/portal/history/{activity.pk}/not-me/").status_code == 404
    assert "Test Bank" not in other.get("/portal/history/").content.decode()
    assert Authenticator.objects.get(identity=eva.identity, kind="code_display").status == "active"


def test_a_failed_login_is_not_in_the_history(eva, driver):
    url, *_ = driver.start()
    driver.user_id(url, eva.user_id)
    driver.code(url, eva.token.wrong_code())
    assert not Activity.objects.exists()


def test_the_history_names_the_device_whose_code_was_accepted(eva, driver):
    used = Authenticator.objects.get(identity=eva.identity, kind="code_display")
    url, *_ = driver.start()
    driver.user_id(url, eva.user_id)
    driver.code(url, eva.token.code())
    # Between the code and the password, a new code display is activated (the old one retires).
    new = shipped_device(eva)
    activate_device(
        identity=eva.identity,
        serial=new.serial,
        code=new.code(),
        password=PASSWORD,
        now=datetime.now(UTC),
    )
    assert driver.password(url).status_code == 302
    assert Activity.objects.get(identity=eva.identity).authenticator == used
