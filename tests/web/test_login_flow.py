"""The login journey through segl's pages (seeds 000, 001), with Django's test client."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator, Device
from segl.flows.models import Flow
from tests.conftest import ISSUER, PASSWORD, make_person

pytestmark = pytest.mark.django_db(transaction=False)


def test_whole_login_gives_verified_claims(driver, anna):
    params_query, params, verifier = driver.login(anna)
    assert params_query["state"] == [params["state"]]
    assert params_query["iss"] == [ISSUER]
    response = driver.token(params_query["code"][0], verifier)
    assert response.status_code == 200, response.content
    claims = driver.verified_claims(response.json()["id_token"])
    assert claims["sub"] == str(anna.identity.id)
    assert claims["nonce"] == params["nonce"]
    assert claims["acr"] == "https://data.gov.dk/concept/core/nsis/Substantial"
    assert claims["loa"] == claims["acr"]
    assert claims["ial"].endswith("/Substantial") and claims["aal"].endswith("/Substantial")
    assert claims["amr"] == ["otp", "pwd", "mfa"]
    assert abs(claims["auth_time"] - datetime.now(UTC).timestamp()) < 30
    # The hash of the (empty) approval text: the RP can check what was approved.
    assert claims["segl_approval_sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert claims["name"] == anna.identity.person.name


def test_steps_come_in_order_and_page_shows_the_rp_and_text(driver, anna):
    url, _, _ = driver.start(approval_text="Pay 10 DKK to Bo", action="approve")
    page = driver.client.get(url).content.decode()
    assert "Test Bank" in page and 'name="user_id"' in page
    # A code before the user ID is a form for another step: refused, the flow stays where it is.
    response = driver.code(url, anna.token.code())
    assert response.status_code == 409 and "out of date" in response.content.decode()
    assert 'name="user_id"' in driver.client.get(url).content.decode()
    driver.user_id(url, anna.user_id)
    page = driver.client.get(url).content.decode()
    assert 'name="code"' in page and "Pay 10 DKK to Bo" in page
    assert "Change identification method" in page or "Skift identifikationsmetode" in page


def test_wrong_code_wrong_password_then_success(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    response = driver.code(url, anna.token.wrong_code())
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert Flow.objects.get().step == "code"
    assert driver.code(url, anna.token.code()).status_code == 302
    response = driver.password(url, "not the password")
    assert response.status_code == 200 and Flow.objects.get().step == "password"
    assert driver.password(url).status_code == 302
    assert Flow.objects.get().step == "done"


def test_three_wrong_codes_suspend_the_token(driver, anna, settings):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    good = anna.token.code()
    for code in anna.token.wrong_codes(3):
        driver.code(url, code)
    response = driver.code(url, good)
    page = response.content.decode()
    assert response.status_code == 200
    assert "suspended because a wrong one-time code was entered 3 times in a row" in page
    assert Flow.objects.get().step == "code"
    assert Device.objects.get(serial=anna.token.serial).locked_until > timezone.now()
    assert AuditEvent.objects.filter(action="device.suspend_temporarily").count() == 1


def test_unknown_user_id_looks_like_a_known_one(driver, anna):
    known_url, _, _ = driver.start()
    known = driver.user_id(known_url, anna.user_id)
    unknown_url, _, _ = driver.start()
    unknown = driver.user_id(unknown_url, "nobody-here")
    assert known.status_code == unknown.status_code == 302
    known_page = driver.client.get(known_url).content.decode().replace(known_url, "")
    unknown_page = driver.client.get(unknown_url).content.decode().replace(unknown_url, "")

    def strip_tokens(page: str) -> str:
        import re

        return re.sub(r'value="[^"]{30,}"', "", page)

    assert strip_tokens(known_page) == strip_tokens(unknown_page)
    wrong = driver.code(unknown_url, "123456").content.decode()
    assert "error-summary" in wrong
    assert (
        AuditEvent.objects.filter(
            action="code.verify", outcome="code_invalid", data__unknown_user=True
        ).count()
        == 1
    )
    assert Flow.objects.get(pk=unknown_url.strip("/").split("/")[-1]).step == "code"


def test_unknown_user_id_is_suspended_like_a_real_token(driver):
    url, _, _ = driver.start()
    driver.user_id(url, "nobody-here")
    for code in ("123456", "234567", "345678"):
        driver.code(url, code)
    page = driver.code(url, "456789").content.decode()
    assert "suspended because a wrong one-time code was entered 3 times in a row" in page
    assert Flow.objects.get().step == "code"


def test_a_lock_outlives_the_flow_for_unknown_user_ids_too(driver, anna):
    """A real code display stays suspended into the next login; so must an unknown user ID, or
    a second login would tell the two apart."""
    from segl.flows.models import UnknownUserThrottle

    wrong = anna.token.wrong_codes(3)
    pages = {}
    for user_id in (anna.user_id, "Nobody-Here"):
        url, _, _ = driver.start()
        driver.user_id(url, user_id)
        for code in wrong:
            driver.code(url, code)
        # A new login with the same user ID, in other letter case and with spaces around it.
        url, _, _ = driver.start()
        driver.user_id(url, f"  {user_id.upper()} ")
        pages[user_id] = driver.code(url, wrong[0]).content.decode()
    for page in pages.values():
        assert "suspended because a wrong one-time code was entered 3 times in a row" in page
    # The throttle is kept under a keyed hash, never the user ID that was tried.
    (row,) = UnknownUserThrottle.objects.all()
    assert "nobody" not in row.key.lower() and row.locked_until > timezone.now()


def test_a_wrong_code_after_the_suspension_ends_is_only_wrong(driver, anna, config):
    from segl.core import otp
    from segl.core.errors import SeglError
    from segl.flows.services import flow_submit_step

    config(code_lock_minutes=2)
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    key = driver.client.cookies["segl_browser"].value
    t0 = timezone.now()
    times = [t0] * 3 + [t0 + timedelta(minutes=2)]  # the lock ends at t0 + 2 minutes
    valid = {
        otp.totp_code(anna.token.secret, t + timedelta(seconds=30 * d))
        for t in times
        for d in (-1, 0, 1)
    }
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)
    answers = []
    for when in times:
        with pytest.raises(SeglError) as caught:
            flow_submit_step(
                flow_id=_flow_id(url), browser_key=key, step="code", response=wrong, now=when
            )
        answers.append(caught.value.code)
    assert answers == ["code_invalid", "code_invalid", "locked", "code_invalid"]
    assert AuditEvent.objects.filter(action="device.suspend_temporarily").count() == 1


def test_change_identification_method_becomes_preferred_once_the_login_succeeds(driver, db):
    bo = make_person("bo-5678", kinds=("audio_code_reader", "code_display"))
    reader = bo.token  # the first device made
    bo.identity.preferred_method = "code_display"
    bo.identity.save(update_fields=["preferred_method"])
    url, _, _ = driver.start()
    driver.user_id(url, bo.user_id)
    page = driver.client.get(url + "method/").content.decode()
    # Every kind segl offers, in one order, whatever Bo has.
    assert re.findall(r'name="method" value="([a-z_]+)"', page) == [
        "app",
        "code_display",
        "audio_code_reader",
        "chip",
    ]
    response = driver.post(url + "method/", {"method": "audio_code_reader"})
    assert response.status_code == 302
    assert Flow.objects.get().method == "audio_code_reader"
    # Choosing is not yet proving anything: the preferred method changes when the login succeeds.
    bo.identity.refresh_from_db()
    assert bo.identity.preferred_method == "code_display"
    # Not a kind segl offers:
    response = driver.post(url + "method/", {"method": "smart_ring"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert driver.code(url, reader.code()).status_code == 302
    assert driver.password(url).status_code == 302
    bo.identity.refresh_from_db()
    assert bo.identity.preferred_method == "audio_code_reader"


def test_cancel_returns_access_denied_to_the_rp(driver, anna):
    url, params, _ = driver.start()
    driver.user_id(url, anna.user_id)
    response = driver.post(url + "cancel/", {})
    assert response.status_code == 302
    finish = driver.client.get(response["Location"])
    assert finish.status_code == 302
    assert "error=access_denied" in finish["Location"]
    assert f"state={params['state']}" in finish["Location"]


def test_expired_flow_is_refused_with_a_clear_page(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    Flow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = driver.code(url, anna.token.code())
    assert response.status_code == 302
    page = driver.client.get(url).content.decode()
    assert "10 minutes" in page or "10 minutter" in page
    assert Flow.objects.get().failure == "expired"


def test_a_flow_cannot_be_continued_from_another_browser(driver, anna, client):
    from django.test import Client

    url, _, _ = driver.start()
    other = Client()
    response = other.post(url, {"step": "user_id", "user_id": anna.user_id})
    assert response.status_code == 404
    assert Flow.objects.get().step == "user_id"


def test_finish_works_once(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    driver.code(url, anna.token.code())
    driver.password(url, PASSWORD)
    driver.finish(url)
    flow_id = url.rstrip("/").split("/")[-1]
    assert driver.client.get(f"/o/finish/{flow_id}/").status_code == 410


def test_finish_before_done_goes_back_to_the_flow(driver, anna):
    url, _, _ = driver.start()
    flow_id = url.rstrip("/").split("/")[-1]
    response = driver.client.get(f"/o/finish/{flow_id}/")
    assert response.status_code == 302 and response["Location"] == url


def test_suspended_identity_gets_a_clear_message(driver, anna):
    anna.identity.status = "suspended"
    anna.identity.save()
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    assert Flow.objects.get().failure == "identity_inactive"
    assert "Your segl cannot be used right now" in driver.client.get(url).content.decode()


def test_login_hint_fills_in_the_user_id(driver, anna):
    url, _, _ = driver.start(login_hint="anna-1234")
    assert 'value="anna-1234"' in driver.client.get(url).content.decode()


def test_english_labels_follow_the_seeds(driver, anna):
    url, _, _ = driver.start()
    driver.client.cookies["django_language"] = "en"
    page = driver.client.get(url).content.decode()
    assert "User ID" in page and "Continue" in page
    driver.user_id(url, anna.user_id)
    page = driver.client.get(url).content.decode()
    assert "Change identification method" in page and "Cancel" in page


def test_danish_labels(driver, anna):
    url, _, _ = driver.start()
    driver.client.cookies["django_language"] = "da"
    page = driver.client.get(url).content.decode()
    assert "Bruger-ID" in page and "Fortsæt" in page
    driver.user_id(url, anna.user_id)
    page = driver.client.get(url).content.decode()
    assert "Skift identifikationsmetode" in page and "Annuller" in page


def test_rate_limit_per_user_id(driver, anna, config):
    from django.core.cache import cache

    cache.clear()
    config(rate_limit_user_per_minute=2)
    try:
        statuses = []
        for _ in range(3):
            url, _, _ = driver.start()
            statuses.append(driver.user_id(url, anna.user_id).status_code)
        assert statuses == [302, 302, 429]
    finally:
        cache.clear()


def test_a_rate_limited_user_id_for_a_flow_past_it_is_refused_as_out_of_date(driver, anna, config):
    """Past the limit, a user ID sent again to a login that has moved on is a form for another
    step (409), not the user ID page shown over the code step."""
    from django.core.cache import cache

    cache.clear()
    config(rate_limit_user_per_minute=1)
    try:
        url, _, _ = driver.start()
        assert driver.user_id(url, anna.user_id).status_code == 302
        response = driver.user_id(url, anna.user_id)
        assert response.status_code == 409 and "out of date" in response.content.decode()
        assert 'name="code"' in driver.client.get(url).content.decode()
    finally:
        cache.clear()


def test_rate_limit_per_ip(driver, config):
    from urllib.parse import urlencode

    from django.core.cache import cache

    cache.clear()
    config(rate_limit_ip_per_minute=2)
    try:
        statuses = []
        for _ in range(3):
            params, _ = driver.rp.authorize_params()
            statuses.append(driver.client.get("/o/authorize/?" + urlencode(params)).status_code)
        assert statuses == [302, 302, 429]
        # Another address is not held back by the first one's attempts.
        params, _ = driver.rp.authorize_params()
        other = driver.client.get("/o/authorize/?" + urlencode(params), REMOTE_ADDR="10.9.8.7")
        assert other.status_code == 302
    finally:
        cache.clear()


def test_password_locks_after_five_wrong_in_a_row(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    driver.code(url, anna.token.code())
    for _ in range(5):
        assert driver.password(url, "wrong password here").status_code == 200
    page = driver.password(url).content.decode()
    assert "Your password is locked after too many wrong attempts" in page
    assert Flow.objects.get().step == "password"
    anna.identity.refresh_from_db()
    assert anna.identity.password_locked_until > timezone.now()


def test_healthz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_unknown_page_is_a_kind_404(client, db):
    client.cookies["django_language"] = "en"
    response = client.get("/no/such/page")
    assert response.status_code == 404 and b"Page not found" in response.content


def test_a_code_of_the_wrong_shape_is_explained_and_not_counted(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    page = driver.code(url, "12a").content.decode()
    assert "6 digits" in page and 'aria-describedby="id_code-hint id_code-error"' in page
    assert Device.objects.get(serial=anna.token.serial).failures == 0
    # Spaces are fine: "123 456" is how people read codes aloud.
    code = anna.token.code()
    assert driver.code(url, f"{code[:3]} {code[3:]}").status_code == 302


def _flow_id(url: str) -> str:
    return url.rstrip("/").split("/")[-1]


def test_a_login_must_be_finished_within_ten_minutes(driver):
    driver.start()
    flow = Flow.objects.get()
    assert flow.expires_at - flow.created_at == timedelta(minutes=10)


def test_an_expired_flow_shown_again_says_so(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    Flow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = driver.client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "10 minutes" in page and 'name="code"' not in page
    assert Flow.objects.get().failure == "expired"
    assert AuditEvent.objects.filter(action="flow.expire").count() == 1


def test_finishing_an_expired_flow_tells_the_rp_and_gives_no_code(driver, anna):
    url, params, _ = driver.start()
    driver.user_id(url, anna.user_id)
    Flow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    result = driver.finish(url)
    assert result["error"] == ["access_denied"] and "code" not in result
    assert result["error_description"] == ["The login expired."]
    assert result["state"] == [params["state"]]
    flow = Flow.objects.get()
    assert flow.failure == "expired" and flow.consumed_at is not None


def test_a_user_id_after_expiry_is_not_looked_up(driver, anna):
    anna.identity.status = "suspended"
    anna.identity.save()
    url, _, _ = driver.start()
    Flow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert driver.user_id(url, anna.user_id).status_code == 302
    # Expired, not "identity_inactive": an expired flow tells nothing about the user ID.
    assert Flow.objects.get().failure == "expired"
    assert not AuditEvent.objects.filter(action="flow.user_id").exists()


def test_another_browser_can_neither_see_nor_finish_the_flow(driver, anna):
    from django.test import Client

    url, params, _ = driver.start(approval_text="Pay 10 DKK to Bo")
    other = Client()
    for path in (url, url + "method/", f"/o/finish/{_flow_id(url)}/"):
        response = other.get(path)
        assert response.status_code == 404, path
        assert "Pay 10 DKK" not in response.content.decode()
    assert other.post(url + "cancel/", {}).status_code == 404
    driver.user_id(url, anna.user_id)
    driver.code(url, anna.token.code())
    driver.password(url)
    # Done, but only the browser that started the login gets the code to the RP.
    response = other.get(f"/o/finish/{_flow_id(url)}/")
    assert response.status_code == 404 and "Location" not in response
    assert Flow.objects.get().consumed_at is None
    result = driver.finish(url)
    assert "code" in result and result["state"] == [params["state"]]


def test_the_rate_limit_per_user_id_ignores_case_and_spaces(driver, anna, config):
    from django.core.cache import cache

    cache.clear()
    config(rate_limit_user_per_minute=2)
    try:
        statuses = []
        for typed in ("anna-1234", "ANNA-1234", " Anna-1234 "):
            url, _, _ = driver.start()
            statuses.append(driver.user_id(url, typed).status_code)
        assert statuses == [302, 302, 429]
    finally:
        cache.clear()


def test_the_login_pages_are_rate_limited_per_ip(driver, anna, config):
    from django.core.cache import cache

    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    cache.clear()
    config(rate_limit_ip_per_minute=2)
    try:
        # Codes of the wrong shape: refused without counting against the device.
        statuses = [driver.code(url, "12a").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        # Another address is not held back by the first one's attempts.
        other = driver.client.post(url, {"step": "code", "code": "12a"}, REMOTE_ADDR="10.9.8.7")
        assert other.status_code == 200
    finally:
        cache.clear()


def test_a_suspended_authenticator_gets_only_a_decoy_step(driver, db):
    from segl.authenticators.services import authenticator_suspend

    bo = make_person("bo-4321", kinds=("audio_code_reader",))
    reader = Authenticator.objects.get(identity=bo.identity, kind="audio_code_reader")
    authenticator_suspend(authenticator_id=reader.pk, now=timezone.now(), reason="lost")
    url, _, _ = driver.start()
    driver.user_id(url, bo.user_id)
    # Offered as to anyone; the step looks as ever, and the suspended reader's code is wrong.
    assert driver.post(url + "method/", {"method": "audio_code_reader"}).status_code == 302
    page = driver.code(url, bo.token.code()).content.decode()
    assert "The one-time code is not correct" in page
    assert Flow.objects.get().step == "code"
    assert AuditEvent.objects.filter(action="code.verify", data__decoy="audio_code_reader").exists()


def test_an_unknown_user_id_locks_exactly_like_a_real_token(driver, anna, config):
    """Within one login, the same wrong codes at the same times give the same answers and audit
    outcomes for a known user ID (its code display) and an unknown one (the decoy)."""
    from segl.core import otp
    from segl.core.errors import SeglError
    from segl.flows.services import flow_submit_step

    config(code_lock_minutes=2)
    t0 = timezone.now()
    times = [t0] * 3 + [t0 + timedelta(minutes=1)] + [t0 + timedelta(minutes=2)] * 3
    valid = {
        otp.totp_code(anna.token.secret, t + timedelta(seconds=30 * d))
        for t in times
        for d in (-1, 0, 1)
    }
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)
    answers = {}
    for user_id in (anna.user_id, "nobody-here"):
        url, _, _ = driver.start()
        driver.user_id(url, user_id)
        key = driver.client.cookies["segl_browser"].value
        seen = []
        for when in times:
            try:
                flow_submit_step(
                    flow_id=_flow_id(url),
                    browser_key=key,
                    step="code",
                    response=wrong,
                    now=when,
                )
            except SeglError as exc:
                seen.append(exc.code)
        outcomes = list(
            AuditEvent.objects.filter(action="code.verify", at__gte=t0)
            .filter(data__flow=_flow_id(url))
            .values_list("outcome", flat=True)
        )
        answers[user_id] = (seen, outcomes)
    assert answers[anna.user_id][0][:4] == ["code_invalid", "code_invalid", "locked", "locked"]
    assert answers["nobody-here"] == answers[anna.user_id]


def test_expiring_a_live_flow_changes_nothing(driver, anna):
    from segl.flows.services import flow_expire

    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    key = driver.client.cookies["segl_browser"].value
    flow = flow_expire(flow_id=_flow_id(url), browser_key=key, now=timezone.now())
    assert flow.step == "code" and flow.failure == ""
    assert Flow.objects.get().step == "code"
    assert not AuditEvent.objects.filter(action="flow.expire").exists()


def test_the_code_step_reads_the_login_once_under_its_lock(driver, anna):
    # The answer's form is the one every kind with a code step uses, so the page reads the
    # login only in the service, locked (a second read before it was a fifth of the step).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    with CaptureQueriesContext(connection) as queries:
        response = driver.code(url, anna.token.code())
    assert response.status_code == 302
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "flows_flow"')]
    assert len(reads) == 1, reads
    # A wrong code shows the page again, from the login read afresh.
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    refused = driver.code(url, anna.token.wrong_code())
    assert refused.status_code == 200 and 'name="code"' in refused.content.decode()
