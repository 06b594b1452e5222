"""Every rule the server enforces on the app, each test failing if its rule is removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from jwcrypto import jwk

from segl.app import services
from segl.app.emulator import AppError
from segl.app.models import AppInstance, AppRequest
from segl.authenticators.models import Authenticator
from segl.core.approval import Approval, sign_approval
from segl.core.binding import qr_payload
from segl.core.dpop import make_dpop
from segl.flows.models import Flow
from segl.notify.models import OutboxMessage
from tests.app.conftest import PIN, AppUser, activate, emulator
from tests.app.test_login_with_app import _flow_id, current_qr, start_app_login
from tests.conftest import LoginDriver, make_person

pytestmark = pytest.mark.django_db


def refused(call, *args, **kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    return caught.value


def app_user(user_id: str, *, pin: str = PIN) -> AppUser:
    person = make_person(user_id)
    app = emulator()
    activate(app, person, pin=pin)
    person.identity.preferred_method = "app"
    person.identity.save(update_fields=["preferred_method"])
    return AppUser(person=person, app=app)


def bound(driver, user, **extra):
    """A login waiting at the app step, unlocked and bound by QR: (url, what the app shows)."""
    url, _, _ = start_app_login(driver, user, **extra)
    user.app.unlock(user.user_id, PIN)
    shown = user.app.bind(user.user_id, user.app.pending(user.user_id)["id"], qr=current_qr(url))
    return url, shown


def instance_of(user: AppUser) -> AppInstance:
    return AppInstance.objects.get(authenticator__identity=user.person.identity)


# -- channel binding ----------------------------------------------------------------------------


def test_a_stale_qr_code_is_refused(driver, bo):
    url, _, _ = start_app_login(driver, bo)
    request = AppRequest.objects.get(flow_id=_flow_id(url))
    bo.app.unlock(bo.user_id, PIN)
    old = services.qr_text(request, datetime.now(UTC) - timedelta(seconds=10))
    error = refused(bo.app.bind, bo.user_id, request.id, qr=old)
    assert (error.status, error.reason) == (400, "qr_stale")
    # A fresh code from the same screen works.
    assert bo.app.bind(bo.user_id, request.id, qr=current_qr(url))["channel"]


def test_a_qr_code_from_another_flow_is_refused(driver, bo, rp):
    other = app_user("dan-app-42")
    other_driver = LoginDriver(Client(), rp)
    other_url, _, _ = start_app_login(other_driver, other)
    start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    request_id = bo.app.pending(bo.user_id)["id"]
    error = refused(bo.app.bind, bo.user_id, request_id, qr=current_qr(other_url))
    assert error.reason == "qr_other_flow"
    assert AppRequest.objects.get(pk=request_id).status == "pending"


def test_a_forged_qr_code_is_refused(driver, bo):
    url, _, _ = start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    request_id = bo.app.pending(bo.user_id)["id"]
    forged = qr_payload(_flow_id(url), int(datetime.now(UTC).timestamp()), b"k" * 32)
    assert refused(bo.app.bind, bo.user_id, request_id, qr=forged).reason == "qr_forged"


def test_an_app_in_qr_mode_cannot_bind_with_a_code(driver, bo):
    start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    request = AppRequest.objects.get()
    assert refused(bo.app.bind, bo.user_id, request.id, code=request.code).reason == "qr_needed"


def switch_to_codes(user: AppUser) -> None:
    instance = instance_of(user)
    now = datetime.now(UTC) - timedelta(hours=25)
    instance.unlocked_until, instance.unlocked_by = now + timedelta(minutes=1), "pin"
    services.approval_mode_request(instance=instance, mode="code", now=now)
    instance.unlocked_until = datetime.now(UTC) + timedelta(minutes=1)
    services.approval_mode_confirm(instance=instance, now=datetime.now(UTC))


def test_three_wrong_one_time_codes_cancel_the_flow(driver, bo):
    switch_to_codes(bo)
    url, _, _ = start_app_login(driver, bo)
    page = driver.client.get(url).content.decode()
    request = AppRequest.objects.get()
    # The QR code is there too: the page does not tell which mode the app is in (decision 17).
    assert "One-time code" in page and request.code in page
    bo.app.unlock(bo.user_id, PIN)
    wrong = "0000" if request.code != "0000" else "1111"
    for _ in range(2):
        assert refused(bo.app.bind, bo.user_id, request.id, code=wrong).reason == "code_wrong"
    error = refused(bo.app.bind, bo.user_id, request.id, code=wrong)
    assert (error.status, error.reason) == (409, "request_cancelled")
    flow = Flow.objects.get(pk=_flow_id(url))
    assert (flow.step, flow.failure) == ("failed", "app_code_wrong")
    # Not even the right code helps now.
    assert refused(bo.app.bind, bo.user_id, request.id, code=request.code).status == 409
    assert "3 times" in driver.client.get(url).content.decode()


def test_the_right_one_time_code_binds_and_a_qr_code_is_refused_in_code_mode(driver, bo):
    switch_to_codes(bo)
    url, _, _ = start_app_login(driver, bo)
    request = AppRequest.objects.get()
    bo.app.unlock(bo.user_id, PIN)
    assert refused(bo.app.bind, bo.user_id, request.id, qr=current_qr(url)).reason == "code_needed"
    shown = bo.app.bind(bo.user_id, request.id, code=" ".join(request.code))
    assert bo.app.answer(bo.user_id, shown) == "approved"


# -- the approval ---------------------------------------------------------------------------


def test_no_approval_without_a_proven_binding(driver, bo):
    start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    request = AppRequest.objects.get()
    # The app signs everything right, but never proved it saw the browser's code.
    shown = {"request": request.id, "flow": request.flow_id, "text": "", "channel": "x" * 43}
    error = refused(bo.app.answer, bo.user_id, shown)
    assert (error.status, error.reason) == (409, "binding_needed")
    assert Flow.objects.get().step == "app"


def test_an_approval_is_accepted_once(driver, bo):
    _url, shown = bound(driver, bo)
    signed = bo.app.sign(bo.user_id, shown, "approve")
    body = {"approval": signed}
    key = bo.app.registration(bo.user_id).key
    bo.app.call("POST", f"requests/{shown['request']}/answer", body, key=key)
    error = refused(bo.app.call, "POST", f"requests/{shown['request']}/answer", body, key=key)
    assert (error.status, error.reason) == (409, "request_answered")


def test_an_approval_of_another_text_is_refused(driver, bo):
    _url, shown = bound(driver, bo, approval_text="Pay 100 DKK to Carla")
    tampered = {**shown, "text": "Pay 10000 DKK to Mallory"}
    error = refused(bo.app.answer, bo.user_id, tampered)
    assert error.reason == "text_changed"
    assert Flow.objects.get().step == "app"
    assert bo.app.answer(bo.user_id, shown) == "approved"


def test_an_approval_with_another_channel_proof_is_refused(driver, bo):
    _url, shown = bound(driver, bo)
    error = refused(bo.app.answer, bo.user_id, {**shown, "channel": "y" * 43})
    assert (error.status, error.reason) == (401, "binding_mismatch")


def test_an_approval_signed_by_another_key_is_refused(driver, bo):
    _url, shown = bound(driver, bo)
    other = jwk.JWK.generate(kty="EC", crv="P-256")
    approval = Approval(
        request=shown["request"],
        flow=shown["flow"],
        text_sha256=shown["text_sha256"],
        channel=shown["channel"],
        decision="approve",
    )
    signed = sign_approval(other, approval, now=datetime.now(UTC))
    key = bo.app.registration(bo.user_id).key
    error = refused(
        bo.app.call, "POST", f"requests/{shown['request']}/answer", {"approval": signed}, key=key
    )
    assert (error.status, error.error) == (401, "proof_invalid")
    assert Flow.objects.get().step == "app"


def test_an_expired_request_cannot_be_approved(driver, bo):
    url, shown = bound(driver, bo)
    request = AppRequest.objects.get()
    instance = instance_of(bo)
    signed = bo.app.sign(bo.user_id, shown, "approve")
    later = request.expires_at + timedelta(seconds=1)
    instance.unlocked_until = later + timedelta(minutes=1)
    with pytest.raises(services.AppRefused) as caught:
        services.app_request_answer(
            instance=instance, request_id=request.id, signed=signed, now=later
        )
    assert caught.value.reason == "request_expired"
    assert request.expires_at - request.created_at == timedelta(minutes=2)
    state = driver.client.get(url + "app/status").json()["state"]
    assert state == "bound"  # the clock has not really moved; at expiry the page offers a retry


def test_an_expired_request_offers_a_new_one(driver, bo, settings):
    url, _, _ = start_app_login(driver, bo)
    AppRequest.objects.update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    page = driver.client.get(url).content.decode()
    assert "The request to your app has expired." in page
    assert driver.client.post(url + "app/retry/").status_code == 302
    assert AppRequest.objects.filter(status="pending").count() == 1
    assert driver.client.get(url + "app/status").json()["state"] == "pending"


def test_an_approval_after_the_browser_cancelled_is_refused(driver, bo):
    url, shown = bound(driver, bo)
    driver.client.post(url + "cancel/")
    assert refused(bo.app.answer, bo.user_id, shown).reason == "request_cancelled"
    assert Flow.objects.get().step == "cancelled"


def test_another_identitys_app_cannot_see_or_answer_the_request(driver, bo):
    other = app_user("eva-app-77")
    url, _, _ = start_app_login(driver, bo)
    other.app.unlock(other.user_id, PIN)
    assert other.app.pending(other.user_id) is None
    request_id = AppRequest.objects.get().id
    error = refused(other.app.bind, other.user_id, request_id, qr=current_qr(url))
    assert (error.status, error.reason) == (404, "request_unknown")


def test_a_second_app_of_the_same_identity_cannot_answer_what_the_first_bound(driver, bo):
    second = emulator()
    activate(second, bo.person, pin="1357")
    _url, shown = bound(driver, bo)
    second.unlock(bo.user_id, "1357")
    error = refused(second.answer, bo.user_id, shown)
    assert (error.status, error.reason) == (409, "binding_needed")


# -- requests -------------------------------------------------------------------------------


def test_a_new_request_cancels_the_old_one(driver, bo, rp):
    first_url, _, _ = start_app_login(driver, bo)
    second_driver = LoginDriver(Client(), rp)
    start_app_login(second_driver, bo)
    first, second = AppRequest.objects.order_by("created_at")
    assert (first.status, first.reason, second.status) == ("cancelled", "superseded", "pending")
    bo.app.unlock(bo.user_id, PIN)
    assert bo.app.pending(bo.user_id)["id"] == second.id
    assert refused(bo.app.bind, bo.user_id, first.id, qr=current_qr(first_url)).status == 409
    page = driver.client.get(first_url).content.decode()
    assert "A newer login with your user ID was started" in page


def test_at_most_five_unanswered_requests_in_ten_minutes(driver, bo, rp):
    for _ in range(5):
        start_app_login(LoginDriver(Client(), rp), bo)
    assert AppRequest.objects.count() == 5
    url, _, _ = start_app_login(driver, bo)
    assert AppRequest.objects.count() == 5
    page = driver.client.get(url).content.decode()
    assert "Too many requests were sent to your app." in page
    assert "Send a new request" not in page
    assert driver.client.post(url + "app/retry/").status_code == 302
    assert AppRequest.objects.count() == 5
    # Ten minutes later the window has passed.
    AppRequest.objects.update(created_at=datetime.now(UTC) - timedelta(minutes=11))
    driver.client.post(url + "app/retry/")
    assert AppRequest.objects.filter(flow_id=_flow_id(url)).count() == 1


# -- unlock and keys ------------------------------------------------------------------------


def test_nothing_is_bound_before_the_app_is_unlocked(driver, bo):
    url, _, _ = start_app_login(driver, bo)
    request_id = bo.app.pending(bo.user_id)["id"]
    error = refused(bo.app.bind, bo.user_id, request_id, qr=current_qr(url))
    assert (error.status, error.reason) == (403, "unlock_needed")


def test_an_unlock_is_short_lived(driver, bo):
    start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    instance = instance_of(bo)
    request = AppRequest.objects.get()
    later = instance.unlocked_until + timedelta(seconds=1)
    assert instance.unlocked_until - datetime.now(UTC) <= timedelta(minutes=5)
    with pytest.raises(services.AppRefused) as caught:
        services.app_request_bind(
            instance=instance,
            request_id=request.id,
            qr=services.qr_text(request, later),
            now=later,
        )
    assert caught.value.reason in ("unlock_needed", "request_expired")


def test_five_wrong_pins_lock_the_app_until_it_is_activated_again(driver, bo):
    for remaining in (4, 3, 2, 1):
        error = refused(bo.app.unlock, bo.user_id, "9999")
        assert (error.reason, error.body["remaining"]) == ("pin_wrong", remaining)
    error = refused(bo.app.unlock, bo.user_id, "9999")
    assert (error.status, error.reason) == (403, "app_locked")
    assert refused(bo.app.unlock, bo.user_id, PIN).reason == "app_locked"
    assert instance_of(bo).authenticator.status == Authenticator.Status.SUSPENDED
    # A hard cap, like the limit on codes and passwords: the citizen is told.
    notice = OutboxMessage.objects.get(purpose="app_locked", channel="sms")
    assert notice.to == bo.person.identity.person.phone
    # A login that chooses the app gets a decoy app step: no request any app of Bo's can see.
    url, _, _ = start_app_login(driver, bo)
    assert AppRequest.objects.get(flow_id=_flow_id(url)).identity is None
    # A new activation gives a working app again.
    again = emulator()
    activate(again, bo.person, pin="1357")
    again.unlock(bo.user_id, "1357")


def test_a_right_pin_resets_the_count(bo):
    for _ in range(4):
        refused(bo.app.unlock, bo.user_id, "9999")
    bo.app.unlock(bo.user_id, PIN)
    for _ in range(4):
        refused(bo.app.unlock, bo.user_id, "9999")
    assert instance_of(bo).locked_at is None


def test_a_request_signed_with_an_unknown_key_is_refused(bo):
    stranger = jwk.JWK.generate(kty="EC", crv="P-256")
    error = refused(bo.app.call, "POST", "unlock", {"pin": PIN}, key=stranger)
    assert (error.status, error.reason) == (401, "unknown_key")


def test_a_request_without_a_dpop_proof_is_refused(bo):
    error = refused(bo.app.call, "GET", "me")
    assert (error.status, error.error) == (401, "proof_invalid")


def test_a_dpop_proof_is_accepted_once(bo):
    client = Client()
    key = bo.app.registration(bo.user_id).key
    url = bo.app.base_url + "/app/api/me"
    proof = make_dpop(key, method="GET", url=url, now=datetime.now(UTC))
    assert client.get("/app/api/me", headers={"DPoP": proof}).status_code == 200
    again = client.get("/app/api/me", headers={"DPoP": proof})
    assert (again.status_code, again.json()["reason"]) == (401, "jti_replayed")


def test_a_dpop_proof_for_another_address_is_refused(bo):
    key = bo.app.registration(bo.user_id).key
    proof = make_dpop(
        key, method="GET", url=bo.app.base_url + "/app/api/requests/pending", now=datetime.now(UTC)
    )
    response = Client().get("/app/api/me", headers={"DPoP": proof})
    assert (response.status_code, response.json()["reason"]) == (401, "htu")


def test_bad_json_gets_a_clear_error_not_a_500(bo):
    key = bo.app.registration(bo.user_id).key
    url = bo.app.base_url + "/app/api/unlock"
    for body in (b"{not json", b"[1, 2]", b'{"pin": 1234}', b"x" * 20000):
        proof = make_dpop(key, method="POST", url=url, now=datetime.now(UTC))
        response = Client().post(
            "/app/api/unlock", body, content_type="application/json", headers={"DPoP": proof}
        )
        assert response.status_code == 400, body[:20]
        assert response.json()["error"] == "app_refused"


def test_purge_forgets_proof_ids_only_once_they_cannot_be_replayed(bo):
    from segl.app.models import DpopJti

    bo.app.me(bo.user_id)
    seen = DpopJti.objects.count()
    assert seen >= 1
    assert services.app_purge(now=datetime.now(UTC), keep=timedelta(days=1))["dpop_proof_ids"] == 0
    later = datetime.now(UTC) + timedelta(minutes=3)
    assert services.app_purge(now=later, keep=timedelta(days=1))["dpop_proof_ids"] == seen


def test_refused_answers_and_bindings_are_audited(driver, bo):
    from segl.audit.models import AuditEvent

    url, _, _ = start_app_login(driver, bo)
    request_id = AppRequest.objects.get().id
    refused(bo.app.bind, bo.user_id, request_id, qr=current_qr(url))  # not unlocked
    bo.app.unlock(bo.user_id, PIN)
    shown = bo.app.bind(bo.user_id, request_id, qr=current_qr(url))
    refused(bo.app.answer, bo.user_id, {**shown, "text": "something else"})
    reasons = {
        (e.action, e.data.get("reason"))
        for e in AuditEvent.objects.filter(outcome="refused", subject=bo.user_id)
    }
    assert {("app.bind", "unlock_needed"), ("app.answer", "text_changed")} <= reasons


def test_a_locked_app_knocking_is_audited(bo):
    from segl.audit.models import AuditEvent

    for _ in range(5):
        refused(bo.app.unlock, bo.user_id, "9999")
    refused(bo.app.me, bo.user_id)
    assert AuditEvent.objects.filter(action="app.refused", outcome="app_locked").count() == 1


def test_one_unlock_answers_one_request(driver, bo, rp):
    _url, shown = bound(driver, bo)
    assert bo.app.answer(bo.user_id, shown) == "approved"
    second_url, _, _ = start_app_login(LoginDriver(Client(), rp), bo)
    request_id = bo.app.pending(bo.user_id)["id"]
    error = refused(bo.app.bind, bo.user_id, request_id, qr=current_qr(second_url))
    assert error.reason == "unlock_needed"


def test_i_did_not_start_this_is_recorded_even_after_the_fraudster_cancelled(driver, bo):
    from segl.audit.models import AuditEvent

    url, shown = bound(driver, bo, approval_text="Transfer 9000 DKK")
    driver.client.post(url + "cancel/")
    assert refused(bo.app.answer, bo.user_id, shown, "fraud").reason == "request_cancelled"
    report = AuditEvent.objects.get(action="fraud.report")
    assert report.subject == bo.user_id and report.data["late"] is True
    # A plain rejection of a cancelled request is not a fraud report.
    assert AuditEvent.objects.filter(action="fraud.report").count() == 1


def test_too_many_requests_leave_a_trace_in_the_audit_log(driver, bo, rp):
    from segl.audit.models import AuditEvent

    for _ in range(6):
        start_app_login(LoginDriver(Client(), rp), bo)
    assert AuditEvent.objects.filter(action="app.request", outcome="too_many").count() == 1


def test_removing_a_user_id_from_the_app_retires_it(bo):
    bo.app.unlock(bo.user_id, PIN)
    thumbprint = instance_of(bo).thumbprint
    bo.app.retire(bo.user_id)
    instance = AppInstance.objects.get(thumbprint=thumbprint)
    assert instance.authenticator.status == Authenticator.Status.RETIRED
    assert bo.user_id.casefold() not in bo.app.registrations


def test_a_nul_character_is_a_clear_error(bo):
    error = refused(bo.app.unlock, bo.user_id, "25\x0080")
    assert (error.status, error.reason) == (400, "pin_missing")


def test_a_biometric_unlock_cannot_weaken_the_app(bo):
    bo.app.unlock(bo.user_id, PIN)
    bo.app.set_up_biometrics(bo.user_id)
    bo.app.unlock_with_biometrics(bo.user_id)
    assert refused(bo.app.set_approval_mode, bo.user_id, "code").reason == "pin_needed"
    assert refused(bo.app.offer_copy, bo.user_id).reason == "pin_needed"
    # Strengthening is fine.
    assert bo.app.set_approval_mode(bo.user_id, "qr")["approval_mode"] == "qr"


def test_each_app_key_has_its_own_rate_limit(bo, settings):
    import dataclasses

    from django.core.cache import cache

    cache.clear()  # the counts of the tests before this one
    settings.CONFIG = dataclasses.replace(settings.CONFIG, rate_limit_ip_per_minute=2)
    for _ in range(4):  # twice the login pages' budget per key
        bo.app.me(bo.user_id)
    error = refused(bo.app.me, bo.user_id)
    assert (error.status, error.reason) == (429, "rate_limited")
    # Another app behind the same address still gets through.
    other = app_user("rate-other-1")
    other.app.me(other.user_id)
