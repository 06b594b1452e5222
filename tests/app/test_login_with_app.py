"""Logging in with the app: the browser shows a QR code (or a one-time code), the app proves it
saw it, shows the text, and the citizen approves or rejects (seeds 003, 004)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from segl.app.emulator import AppError
from segl.app.models import AppRequest
from segl.audit.models import AuditEvent
from segl.core.approval import text_sha256
from segl.flows.models import Flow
from segl.notify.models import OutboxMessage
from tests.app.conftest import PIN

pytestmark = pytest.mark.django_db


def _flow_id(url: str) -> str:
    return url.rstrip("/").split("/")[-1]


def start_app_login(driver, user, **extra):
    """The user ID, then "Change identification method" → the segl app, unless the browser
    starts with the app already (it did the last time it logged in as this user ID)."""
    url, params, verifier = driver.start(**extra)
    driver.user_id(url, user.user_id)
    if Flow.objects.get(pk=_flow_id(url)).step != "app":
        assert driver.post(url + "method/", {"method": "app"}).status_code == 302
    return url, params, verifier


def current_qr(url: str) -> str:
    """The QR code's text right now, as the browser's image shows it."""
    from segl.app.services import qr_text

    request = AppRequest.objects.filter(flow_id=_flow_id(url)).latest("created_at")
    return qr_text(request, datetime.now(UTC))


def test_whole_login_with_the_app_gives_verified_claims(driver, bo):
    url, params, verifier = start_app_login(
        driver, bo, approval_text="Pay 100 DKK to Carla", action="approve"
    )
    page = driver.client.get(url).content.decode()
    assert "Scan the QR code with the app." in page and "data-qr" in page
    status = driver.client.get(url + "app/status").json()
    assert status["state"] == "pending"

    bo.app.unlock(bo.user_id, PIN)
    pending = bo.app.pending(bo.user_id)
    assert pending["rp_name"] == "Test Bank"
    shown = bo.app.bind(bo.user_id, pending["id"], qr=current_qr(url))
    assert shown["text"] == "Pay 100 DKK to Carla" and shown["action"] == "approve"
    assert driver.client.get(url + "app/status").json()["state"] == "bound"
    assert bo.app.answer(bo.user_id, shown, "approve") == "approved"
    assert driver.client.get(url + "app/status").json()["state"] == "done"

    query = driver.finish(url)
    token = driver.token(query["code"][0], verifier)
    assert token.status_code == 200, token.content
    claims = driver.verified_claims(token.json()["id_token"])
    assert claims["amr"] == ["swk", "pin", "mfa"]
    assert claims["acr"].endswith("/Substantial")
    assert claims["segl_approval_sha256"] == text_sha256("Pay 100 DKK to Carla")
    assert claims["nonce"] == params["nonce"]


def test_reject_ends_the_login_with_nothing_approved(driver, bo):
    url, _, _ = start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    shown = bo.app.bind(bo.user_id, bo.app.pending(bo.user_id)["id"], qr=current_qr(url))
    assert bo.app.answer(bo.user_id, shown, "reject") == "rejected"
    flow = Flow.objects.get(pk=_flow_id(url))
    assert flow.step == "failed" and flow.failure == "app_reject"
    assert "You rejected the request in the app." in driver.client.get(url).content.decode()
    assert not AuditEvent.objects.filter(action="fraud.report").exists()


def test_i_did_not_start_this_rejects_and_records_a_fraud_report(driver, bo):
    url, _, _ = start_app_login(driver, bo, approval_text="Transfer 5000 DKK")
    bo.app.unlock(bo.user_id, PIN)
    shown = bo.app.bind(bo.user_id, bo.app.pending(bo.user_id)["id"], qr=current_qr(url))
    assert bo.app.answer(bo.user_id, shown, "fraud") == "rejected"
    assert Flow.objects.get(pk=_flow_id(url)).failure == "app_fraud"
    report = AuditEvent.objects.get(action="fraud.report")
    assert report.subject == bo.user_id
    assert report.data["text_sha256"] == text_sha256("Transfer 5000 DKK")
    notice = OutboxMessage.objects.get(purpose="fraud_reported_in_app", channel="sms")
    assert notice.to == bo.person.identity.person.phone


def test_same_device_opens_the_app_for_this_flow_and_returns_to_the_browser(driver, bo):
    """Seed 004: on the phone itself, a button opens the app; afterwards the citizen returns."""
    import re

    url, _, _ = start_app_login(driver, bo)
    page = driver.client.get(url).content.decode()
    link = re.search(r'href="/app/#approve/([^/"]+)/([^"]+)" data-same-device', page)
    assert link, "the login page links to the app for this request"
    request_id, token = link.groups()
    bo.app.unlock(bo.user_id, PIN)
    browser = driver.client.cookies["segl_browser"].value  # the app's page shares them
    shown = bo.app.bind(bo.user_id, request_id, device=token, browser_key=browser)
    assert shown["return_url"].endswith(url)
    assert bo.app.answer(bo.user_id, shown) == "approved"
    assert Flow.objects.get().step == "done"


def test_a_same_device_link_opened_in_another_browser_binds_nothing(driver, bo):
    """A fraudster sends the victim the "Open the segl app" link of the fraudster's own login:
    the victim's app is not in the browser that started it, so nothing is bound."""
    import re

    url, _, _ = start_app_login(driver, bo)
    page = driver.client.get(url).content.decode()
    request_id, token = re.search(r'href="/app/#approve/([^/"]+)/([^"]+)"', page).groups()
    bo.app.unlock(bo.user_id, PIN)
    with pytest.raises(AppError) as caught:
        bo.app.bind(bo.user_id, request_id, device=token, browser_key="the-victims-own-cookie")
    assert caught.value.reason == "other_browser"
    with pytest.raises(AppError):
        bo.app.bind(bo.user_id, request_id, device=token)  # no cookie at all
    assert AppRequest.objects.get().status == "pending"


def test_a_planted_browser_cookie_does_not_make_the_same_device_link_bind(driver, bo):
    """A fraudster plants a browser key of their choosing in the victim's browser and in their
    own, then sends the victim the "Open the segl app" link of a login the fraudster started:
    segl issued the fraudster's login a key of its own, so the planted one binds nothing."""
    import re

    planted = "chosen-by-the-fraudster"
    driver.client.cookies["segl_browser"] = planted
    url, _, _ = start_app_login(driver, bo)
    assert driver.client.cookies["segl_browser"].value != planted
    page = driver.client.get(url).content.decode()
    request_id, token = re.search(r'href="/app/#approve/([^/"]+)/([^"]+)"', page).groups()
    bo.app.unlock(bo.user_id, PIN)
    with pytest.raises(AppError) as caught:
        bo.app.bind(bo.user_id, request_id, device=token, browser_key=planted)
    assert caught.value.reason == "other_browser"
    assert AppRequest.objects.get(flow_id=_flow_id(url)).status == "pending"


def test_a_wrong_same_device_token_binds_nothing(driver, bo):
    start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    request = AppRequest.objects.get()
    with pytest.raises(AppError) as caught:
        bo.app.bind(bo.user_id, request.id, device="x" * 43)
    assert caught.value.reason == "device_token_wrong"
    assert AppRequest.objects.get().status == "pending"


def test_a_qr_bound_answer_has_no_return_address(driver, bo):
    url, _, _ = start_app_login(driver, bo)
    bo.app.unlock(bo.user_id, PIN)
    shown = bo.app.bind(bo.user_id, bo.app.pending(bo.user_id)["id"], qr=current_qr(url))
    assert shown["return_url"] is None


def test_the_identitys_apps_are_notified_of_a_login(driver, bo):
    from segl.notify.models import OutboxMessage

    start_app_login(driver, bo)
    note = OutboxMessage.objects.get(channel="push", purpose="login_request")
    request = AppRequest.objects.get()
    assert note.to == bo.app.registration(bo.user_id).key.thumbprint()
    # What a push service carries names nothing of the request: no id, no code.
    assert json.loads(note.text)["en"]["title"] == "Log in with segl"
    assert request.id not in note.text and request.code not in note.text


def test_the_qr_image_is_there_while_it_can_be_scanned(driver, bo):
    from django.test import Client

    url, _, _ = start_app_login(driver, bo)
    image = driver.client.get(url + "app/qr.svg")
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml"
    assert image.content.startswith(b"<svg") and b"xmlns" in image.content
    assert Client().get(url + "app/qr.svg").status_code == 404  # another browser
    bo.app.unlock(bo.user_id, PIN)
    bo.app.bind(bo.user_id, bo.app.pending(bo.user_id)["id"], qr=current_qr(url))
    assert driver.client.get(url + "app/qr.svg").status_code == 204  # nothing left to scan
