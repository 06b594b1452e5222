"""The app's notifications by Web Push (RFC 8030), encrypted for the browser (RFC 8291) and
signed with segl's VAPID key (RFC 8292), through pywebpush.

The app subscribes when the citizen allows notifications (``POST app/api/notifications``) and
the subscription is kept here; a notification to an app is an outbox message on the ``push``
channel (its ``to`` is the app's thumbprint), which :class:`WebPush` sends. A subscription the
push service says is gone (404, 410) is removed, and the app is told of nothing more until it
subscribes again; a retired app's subscription is removed with it (:mod:`segl.app.kind`).

A subscription must point at a push service of the browsers (``SEGL_PUSH_SERVICES``) over
https, so that no one can make segl post to a host of their choosing. What is pushed is built
from fixed texts only (:func:`segl.notify.notices.push_payload`): no code and no secret.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from segl import clock
from segl.authenticators.models import Authenticator
from segl.notify.gateways import Undeliverable, send_push
from segl.notify.models import OutboxMessage
from segl.notify.notices import Person, push_payload

from .models import AppInstance, PushSubscription
from .services.base import AppRefused

# The app's own notifications: what the phone shows, in Danish and English.
EVENTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "login_request": (
        ("Log på med segl", "Log in with segl"),
        (
            "Et login venter på, at du godkender det i segl-appen.",
            "A login is waiting for you to approve it in the segl app.",
        ),
    ),
    "app_copied": (
        ("segl-appen er kopieret", "The segl app was copied"),
        (
            "Din segl-app er kopieret til en ny telefon. Var det ikke dig, så gå i Borgerservice.",
            "Your segl app was copied to a new phone. If it was not you, visit a citizen "
            "service centre.",
        ),
    ),
}
# How long a push service keeps a notification for a phone that is off: a login waits a few
# minutes at most (and a newer one replaces it, by its topic); a notice is news for two days.
TTL = {"login_request": 300}
NOTICE_TTL = 2 * 24 * 3600
GONE = frozenset({404, 410})
TIMEOUT = 10.0


def notify_app(instance: AppInstance, event: str) -> None:
    """Tell one app of ``event`` (a login waits, it was copied), once the change commits."""
    title, text = EVENTS[event]
    payload = push_payload(event, title=title, text=text)
    send_push(to=instance.thumbprint, payload=payload, purpose=event, now=clock.now())


def targets(person: Person) -> Iterable[str]:
    """The person's active apps that allowed notifications (:data:`segl.notify.notices.
    PUSH_TARGETS`)."""
    return AppInstance.objects.filter(
        authenticator__identity__person_id=person.pk,
        authenticator__status=Authenticator.Status.ACTIVE,
        notifications=True,
    ).values_list("thumbprint", flat=True)


# -- subscribing -------------------------------------------------------------------------------


def application_server_key() -> str:
    """The key the app subscribes with, or "" when this segl has no VAPID key."""
    return settings.CONFIG.notices.vapid_public_key


def subscribe(instance: AppInstance, subscription: Any, *, now: datetime) -> None:
    """Keep the browser's subscription for this app, which from now on is notified."""
    if not application_server_key():
        raise AppRefused("notifications_unavailable")
    endpoint, p256dh, auth = _checked(subscription)
    with transaction.atomic():
        PushSubscription.objects.update_or_create(
            instance=instance,
            defaults={"endpoint": endpoint, "p256dh": p256dh, "auth": auth, "created_at": now},
        )
        AppInstance.objects.filter(pk=instance.pk).update(notifications=True)


def unsubscribe(instance: AppInstance) -> None:
    """No more notifications to this app."""
    with transaction.atomic():
        PushSubscription.objects.filter(instance=instance).delete()
        AppInstance.objects.filter(pk=instance.pk).update(notifications=False)


def _checked(subscription: Any) -> tuple[str, str, str]:
    if not isinstance(subscription, dict) or not isinstance(subscription.get("keys"), dict):
        raise AppRefused("subscription_invalid")
    endpoint, keys = subscription.get("endpoint"), subscription["keys"]
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    if not isinstance(endpoint, str) or not isinstance(p256dh, str) or not isinstance(auth, str):
        raise AppRefused("subscription_invalid")
    if len(endpoint) > 1024:
        raise AppRefused("subscription_invalid")
    if not _push_service(endpoint):
        raise AppRefused("push_service_unknown")
    try:
        point = _unbase64(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        if len(point) != 65 or len(_unbase64(auth)) != 16:
            raise ValueError
    except (ValueError, binascii.Error):
        raise AppRefused("subscription_invalid") from None
    return endpoint, p256dh, auth


def _push_service(endpoint: str) -> bool:
    """An https URL on a push service's host (http on loopback, outside production: tests)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    known = any(host == s or host.endswith("." + s) for s in settings.CONFIG.notices.push_services)
    loopback = host in ("127.0.0.1", "localhost", "::1") and settings.CONFIG.env != "production"
    secure = parts.scheme == "https" or (parts.scheme == "http" and loopback)
    return known and secure and not parts.username and not parts.password


def _unbase64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- sending -----------------------------------------------------------------------------------


class WebPush:
    """The ``push`` channel's gateway (``SEGL_PUSH_GATEWAY``)."""

    def send(self, message: OutboxMessage) -> str | None:
        subscription = PushSubscription.objects.filter(instance__thumbprint=message.to).first()
        if subscription is None:
            return None  # an app with no browser behind it (the demo's emulated app) reads the row
        notices = settings.CONFIG.notices
        session = requests.Session()
        session.max_redirects = 0  # a push service answers; it does not send segl elsewhere
        headers = {"Urgency": "high" if message.purpose in TTL else "normal"}
        if message.purpose == "login_request":
            headers["Topic"] = "login"  # a newer login's notification replaces an older one
        try:
            response = webpush(
                {"endpoint": subscription.endpoint,
                 "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}},
                data=message.text,
                vapid_private_key=Vapid.from_raw(notices.vapid_private_key.encode("ascii")),
                vapid_claims={"sub": _contact()},
                ttl=TTL.get(message.purpose, NOTICE_TTL),
                headers=headers,
                timeout=TIMEOUT,
                requests_session=session,
            )  # fmt: skip
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else 0
            raise _refusal(status, subscription.endpoint) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise RuntimeError(f"the push service could not be reached ({reason})") from None
        return str(response.headers.get("Location", ""))


def _refusal(status: int, endpoint: str) -> Exception:
    """What the push service's answer means: gone for good, refused for good, or try later."""
    if status in GONE:
        _gone(endpoint)
        return Undeliverable(f"the push service says the subscription is gone ({status})")
    if status in (400, 403, 413):
        return Undeliverable(f"the push service refused the message ({status})")
    return RuntimeError(f"the push service answered {status or 'nothing'}")


def _contact() -> str:
    contact = settings.CONFIG.notices.push_contact
    return f"mailto:{contact}" if contact else settings.CONFIG.base_url


def _gone(endpoint: str) -> None:
    """The push service no longer knows this subscription: every app that used it is told of
    nothing more until it subscribes again."""
    with transaction.atomic():
        gone = PushSubscription.objects.filter(endpoint=endpoint)
        AppInstance.objects.filter(push_subscription__in=gone).update(notifications=False)
        gone.delete()
