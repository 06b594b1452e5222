"""The app's notifications by Web Push (segl.app.webpush, decision 42), against a push service on
loopback (tests/push_service.py) that checks VAPID and the message encryption as a real one does:
the app subscribes with the browser's keys, segl pushes every notice to it, and the test decrypts
what arrived with the subscription's own keys."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings

from segl.app.emulator import AppError
from segl.app.models import AppInstance, AppRequest, PushSubscription
from segl.noticesettings import vapid_public_key
from segl.notify import delivery
from segl.notify.models import OutboxMessage
from segl.notify.notices import tell
from tests.app.conftest import PIN
from tests.app.test_login_with_app import start_app_login
from tests.push_service import PushService

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(settings):
    """The push service, which segl accepts subscriptions to; Web Push is the push gateway."""
    notices = dataclasses.replace(settings.CONFIG.notices, push_services=("127.0.0.1",))
    settings.CONFIG = dataclasses.replace(settings.CONFIG, notices=notices)
    settings.SEGL_GATEWAYS = {**settings.SEGL_GATEWAYS, "push": "segl.app.webpush.WebPush"}
    with PushService() as running:
        yield running


def _subscribe(bo, service):
    _deliver()  # what the activation queued goes first (no browser yet: the row is the message)
    key = django_settings.CONFIG.notices.vapid_public_key
    subscription = service.subscribe(application_server_key=key)
    state = bo.app.call(
        "POST",
        "notifications",
        {"subscription": subscription.info},
        key=bo.app.registration(bo.user_id).key,
    )
    assert state == {"application_server_key": key, "subscribed": True}
    return subscription


def _deliver(at: datetime | None = None) -> tuple[int, int]:
    return delivery.deliver_due(now=at or datetime.now(UTC))


def test_a_notice_reaches_the_app_encrypted_for_it_and_signed_by_segl(bo, service):
    subscription = _subscribe(bo, service)
    tell(bo.person.identity.person, "password_changed", now=datetime.now(UTC))
    assert _deliver()[0] >= 1
    [received] = service.wait_for(subscription.id)
    # Only the subscription's keys open it (RFC 8291); it is the notice in both languages.
    shown = json.loads(subscription.decrypt(received.body))
    assert shown == {
        "event": "password_changed",
        "da": {"title": "Besked om dit segl", "body": "Adgangskoden til dit segl er ændret."},
        "en": {
            "title": "A notice about your segl",
            "body": "The password of your segl has been changed.",
        },
    }
    # Signed with segl's VAPID key (RFC 8292), the one the app subscribed with.
    assert received.vapid_key == django_settings.CONFIG.notices.vapid_public_key
    assert received.vapid_key == vapid_public_key(django_settings.CONFIG.notices.vapid_private_key)
    assert received.vapid_claims["aud"] == service.origin
    assert received.vapid_claims["sub"] == "mailto:support@segl.example"
    assert received.ttl == 2 * 24 * 3600 and received.urgency == "normal"
    message = OutboxMessage.objects.get(channel="push", purpose="password_changed")
    assert message.sent_at is not None and message.reference.startswith(service.origin)
    # The same notice went by SMS too: every channel the person has.
    assert OutboxMessage.objects.filter(channel="sms", purpose="password_changed").exists()


def test_a_waiting_login_is_pushed_at_once_and_names_no_code(
    bo, service, driver, django_capture_on_commit_callbacks
):
    subscription = _subscribe(bo, service)
    with django_capture_on_commit_callbacks(execute=True):  # as the request's commit does
        start_app_login(driver, bo)
    request = AppRequest.objects.get()
    [received] = service.wait_for(subscription.id)
    text = subscription.decrypt(received.body).decode()
    assert json.loads(text)["en"]["title"] == "Log in with segl"
    assert request.code not in text and request.id not in text and request.qr_secret not in text
    # Short-lived and urgent; a newer login's notification replaces it (RFC 8030 topics).
    assert (received.ttl, received.urgency, received.topic) == (300, "high", "login")


def test_a_subscription_the_push_service_says_is_gone_is_removed(bo, service):
    subscription = _subscribe(bo, service)
    service.gone(subscription.id)
    now = datetime.now(UTC)
    tell(bo.person.identity.person, "password_changed", now=now)
    _deliver(now)
    push = OutboxMessage.objects.get(channel="push", purpose="password_changed")
    assert push.dead_at is not None and "gone" in push.error  # not tried again
    assert not PushSubscription.objects.exists()
    assert AppInstance.objects.get().notifications is False
    # The app is told of nothing more until it subscribes again.
    tell(bo.person.identity.person, "user_id_changed", now=now)
    assert not OutboxMessage.objects.filter(channel="push", purpose="user_id_changed").exists()
    assert service.tries(subscription.id) == 1


def test_a_push_service_that_falters_is_tried_again_with_backoff(bo, service):
    subscription = _subscribe(bo, service)
    service.fail(subscription.id, status=503, times=2)
    now = datetime.now(UTC)
    tell(bo.person.identity.person, "password_changed", now=now)
    assert _deliver(now) == (1, 1)  # the SMS went; the push waits
    push = OutboxMessage.objects.get(channel="push", purpose="password_changed")
    assert push.sent_at is None and "503" in push.error and push.next_attempt_at is not None
    assert _deliver(push.next_attempt_at - timedelta(seconds=1)) == (0, 0)
    assert _deliver(push.next_attempt_at) == (0, 1)
    push.refresh_from_db()
    assert _deliver(push.next_attempt_at) == (1, 0)
    assert len(service.wait_for(subscription.id)) == 1 and service.tries(subscription.id) == 3


def test_a_retired_app_is_unsubscribed(bo, service):
    _subscribe(bo, service)
    bo.app.unlock(bo.user_id, PIN)
    bo.app.retire(bo.user_id)
    assert not PushSubscription.objects.exists()
    tell(bo.person.identity.person, "password_changed", now=datetime.now(UTC))
    assert not OutboxMessage.objects.filter(channel="push", purpose="password_changed").exists()


def test_the_app_turns_notifications_off(bo, service):
    _subscribe(bo, service)
    key = bo.app.registration(bo.user_id).key
    assert bo.app.call("GET", "me", key=key)["notifications"] is True
    state = bo.app.call("DELETE", "notifications", key=key)
    assert state["subscribed"] is False and not PushSubscription.objects.exists()
    assert bo.app.call("GET", "me", key=key)["notifications"] is False


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s: {**s, "endpoint": "https://push.example.net/abc"}, "push_service_unknown"),
        (lambda s: {**s, "endpoint": s["endpoint"].replace("127.0.0.1", "10.0.0.1")},
         "push_service_unknown"),
        (lambda s: {**s, "endpoint": "https://user:pw@127.0.0.1/x"}, "push_service_unknown"),
        (lambda s: {**s, "keys": {**s["keys"], "p256dh": "AAAA"}}, "subscription_invalid"),
        (lambda s: {**s, "keys": {**s["keys"], "p256dh": "C" + s["keys"]["p256dh"][1:]}},
         "subscription_invalid"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": "c2hvcnQ"}}, "subscription_invalid"),
        (lambda s: {"endpoint": s["endpoint"]}, "subscription_invalid"),
        (lambda s: "not an object", "subscription_invalid"),
    ],
)  # fmt: skip
def test_a_subscription_segl_would_not_push_to_is_refused(bo, service, change, reason):
    subscription = service.subscribe()
    with pytest.raises(AppError) as refused:
        bo.app.call(
            "POST",
            "notifications",
            {"subscription": change(subscription.info)},
            key=bo.app.registration(bo.user_id).key,
        )
    assert (refused.value.status, refused.value.reason) == (400, reason)
    assert not PushSubscription.objects.exists()


def test_in_production_only_https_push_services_are_pushed_to(bo, service, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, env="production")
    with pytest.raises(AppError) as refused:
        _subscribe(bo, service)
    assert refused.value.reason == "push_service_unknown"


def test_without_a_vapid_key_the_app_is_told_notifications_are_unavailable(bo, service, settings):
    notices = dataclasses.replace(settings.CONFIG.notices, vapid_private_key="")
    settings.CONFIG = dataclasses.replace(settings.CONFIG, notices=notices)
    key = bo.app.registration(bo.user_id).key
    assert bo.app.call("GET", "notifications", key=key)["application_server_key"] == ""
    with pytest.raises(AppError) as refused:
        bo.app.call("POST", "notifications", {"subscription": service.subscribe().info}, key=key)
    assert (refused.value.status, refused.value.reason) == (409, "notifications_unavailable")
