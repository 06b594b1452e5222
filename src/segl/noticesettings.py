"""The settings of the channels that notices leave by (decision 42): e-mail, SMS, Web Push.

Each channel has a *gateway*, a class named by a dotted path (``SEGL_SMS_GATEWAY``,
``SEGL_EMAIL_GATEWAY``, ``SEGL_PUSH_GATEWAY``, ``SEGL_LETTER_GATEWAY``). Left unset, a channel
uses the gateway its settings call for: e-mail goes by Django's mail framework once
``SEGL_EMAIL_HOST`` (SMTP) or ``SEGL_EMAIL_BACKEND`` (e.g. a django-anymail provider) is set,
SMS by the HTTP provider adapter once ``SEGL_SMS_URL`` is set, and the app's notifications by Web
Push once a VAPID key is there. Without them the outbox row is the message, which the demo's
phone and the tests read.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from segl.envvalues import ConfigError, dotted_path, email_address, whole_number

OUTBOX = "segl.notify.gateways.OutboxGateway"
EMAIL = "segl.notify.mail.DjangoMail"
SMS = "segl.notify.sms.HttpSms"
WEB_PUSH = "segl.app.webpush.WebPush"
SMTP = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_SECURITY = ("starttls", "tls", "none")
# The push services of the browsers people use; the app's subscriptions must point at one of
# them (or SEGL_PUSH_SERVICES), so that no one makes segl post to a host of their choosing.
PUSH_SERVICES = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    "web.push.apple.com",
    "notify.windows.com",
)
SMS_BODY = '{"to": "{to}", "text": "{text}", "reference": "{reference}"}'
SMS_PLACES = ("to", "text", "reference", "sender")


@dataclass(frozen=True)
class NoticeSettings:
    sms_gateway: str = OUTBOX
    email_gateway: str = OUTBOX
    push_gateway: str = OUTBOX
    letter_gateway: str = OUTBOX
    # E-mail: Django's EMAIL_* settings, or another backend with its own settings (ANYMAIL).
    email_backend: str = SMTP
    email_host: str = ""
    email_port: int = 587
    email_user: str = ""
    email_password: str = field(repr=False, default="")
    email_security: str = "starttls"
    email_from: str = "segl <no-reply@segl.example>"
    anymail: dict[str, Any] = field(repr=False, default_factory=dict)
    # SMS: the provider's URL, its credentials (one header), the request's shape.
    sms_url: str = ""
    sms_auth_header: str = "Authorization"
    sms_auth: str = field(repr=False, default="")
    sms_body: str = SMS_BODY
    sms_encoding: str = "json"
    sms_sender: str = "segl"
    sms_receipt_token: str = field(repr=False, default="")
    # Web Push: the VAPID key (base64url of the P-256 private value) and who to contact.
    vapid_private_key: str = field(repr=False, default="")
    push_services: tuple[str, ...] = PUSH_SERVICES
    push_contact: str = ""
    # Sent and dead messages are deleted this long after they were written.
    outbox_days: int = 30

    @property
    def vapid_public_key(self) -> str:
        """The key the app subscribes with (applicationServerKey): base64url, uncompressed."""
        return vapid_public_key(self.vapid_private_key) if self.vapid_private_key else ""


def new_vapid_key() -> str:
    """A fresh VAPID private key, as ``SEGL_VAPID_PRIVATE_KEY`` holds it."""
    key = ec.generate_private_key(ec.SECP256R1())
    return _b64(key.private_numbers().private_value.to_bytes(32, "big"))


def vapid_public_key(private: str) -> str:
    point = (
        _vapid_key(private)
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return _b64(point)


def _vapid_key(private: str) -> ec.EllipticCurvePrivateKey:
    try:
        raw = base64.urlsafe_b64decode(private + "=" * (-len(private) % 4))
        if len(raw) != 32:
            raise ValueError
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except (ValueError, binascii.Error):
        raise ConfigError(
            "SEGL_VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes in base64url"
            " (run 'segl init' on the settings file to add one)"
        ) from None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def notice_settings(env: dict[str, str], *, production: bool, support_email: str) -> NoticeSettings:
    """Read and check the channels' settings; a refusal names the setting, never a secret."""
    vapid = env.get("SEGL_VAPID_PRIVATE_KEY", "").strip()
    if vapid:
        _vapid_key(vapid)
    email = _email(env)
    sms = _sms(env, production=production)
    return NoticeSettings(
        sms_gateway=dotted_path(env, "SEGL_SMS_GATEWAY", SMS if sms["sms_url"] else OUTBOX),
        email_gateway=dotted_path(
            env,
            "SEGL_EMAIL_GATEWAY",
            EMAIL if env.get("SEGL_EMAIL_HOST") or env.get("SEGL_EMAIL_BACKEND") else OUTBOX,
        ),
        push_gateway=dotted_path(env, "SEGL_PUSH_GATEWAY", WEB_PUSH if vapid else OUTBOX),
        letter_gateway=dotted_path(env, "SEGL_LETTER_GATEWAY", OUTBOX),
        vapid_private_key=vapid,
        push_services=_hosts(env, "SEGL_PUSH_SERVICES") or PUSH_SERVICES,
        push_contact=email_address(env, "SEGL_PUSH_CONTACT", support_email),
        outbox_days=whole_number(env, "SEGL_OUTBOX_DAYS", 30, 1, 3650),
        **email,
        **sms,
    )


def _email(env: dict[str, str]) -> dict[str, Any]:
    security = env.get("SEGL_EMAIL_SECURITY", "starttls").strip().lower() or "starttls"
    if security not in EMAIL_SECURITY:
        raise ConfigError(f"SEGL_EMAIL_SECURITY must be one of {', '.join(EMAIL_SECURITY)}")
    anymail_raw = env.get("SEGL_ANYMAIL", "").strip()
    try:
        anymail = json.loads(anymail_raw) if anymail_raw else {}
    except ValueError:
        anymail = None
    if not isinstance(anymail, dict):
        raise ConfigError("SEGL_ANYMAIL must be a JSON object of django-anymail's settings")
    sender = env.get("SEGL_EMAIL_FROM", "").strip() or "segl <no-reply@segl.example>"
    if "@" not in sender or "\n" in sender or "\r" in sender:
        raise ConfigError("SEGL_EMAIL_FROM must be an e-mail address, e.g. segl <no-reply@…>")
    return {
        "email_backend": dotted_path(env, "SEGL_EMAIL_BACKEND", SMTP),
        "email_host": env.get("SEGL_EMAIL_HOST", "").strip(),
        "email_port": whole_number(
            env, "SEGL_EMAIL_PORT", 465 if security == "tls" else 587, 1, 65535
        ),
        "email_user": env.get("SEGL_EMAIL_USER", "").strip(),
        "email_password": env.get("SEGL_EMAIL_PASSWORD", ""),
        "email_security": security,
        "email_from": sender,
        "anymail": anymail,
    }


def _sms(env: dict[str, str], *, production: bool) -> dict[str, Any]:
    url = env.get("SEGL_SMS_URL", "").strip()
    if url:
        _service_url("SEGL_SMS_URL", url, production=production)
    encoding = env.get("SEGL_SMS_ENCODING", "json").strip().lower() or "json"
    if encoding not in ("json", "form"):
        raise ConfigError("SEGL_SMS_ENCODING must be json or form")
    body = env.get("SEGL_SMS_BODY", "").strip() or SMS_BODY
    try:
        shape = json.loads(body)
    except ValueError:
        raise ConfigError("SEGL_SMS_BODY must be a JSON object, e.g. " + SMS_BODY) from None
    values = " ".join(_strings(shape)) if isinstance(shape, dict) else ""
    if "{to}" not in values or "{text}" not in values:
        raise ConfigError("SEGL_SMS_BODY must be a JSON object that places {to} and {text}")
    if encoding == "form" and any(isinstance(v, (dict, list)) for v in shape.values()):
        raise ConfigError("SEGL_SMS_ENCODING=form needs a flat SEGL_SMS_BODY")
    token = env.get("SEGL_SMS_RECEIPT_TOKEN", "")
    if token and len(token) < 32:
        raise ConfigError("SEGL_SMS_RECEIPT_TOKEN must be at least 32 characters (or not set)")
    header = env.get("SEGL_SMS_AUTH_HEADER", "").strip() or "Authorization"
    if not header.isascii() or not header.replace("-", "").isalnum():
        raise ConfigError("SEGL_SMS_AUTH_HEADER must be an HTTP header's name")
    return {
        "sms_url": url,
        "sms_auth_header": header,
        "sms_auth": env.get("SEGL_SMS_AUTH", ""),
        "sms_body": body,
        "sms_encoding": encoding,
        "sms_sender": env.get("SEGL_SMS_SENDER", "").strip() or "segl",
        "sms_receipt_token": token,
    }


def _strings(shape: Any) -> list[str]:
    """The strings among a JSON value's values (not its keys: only values are filled in)."""
    if isinstance(shape, dict):
        return [text for value in shape.values() for text in _strings(value)]
    if isinstance(shape, list):
        return [text for value in shape for text in _strings(value)]
    return [shape] if isinstance(shape, str) else []


def _service_url(name: str, url: str, *, production: bool) -> None:
    parts = urlsplit(url)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL")
    if production and parts.scheme != "https" and not loopback:
        raise ConfigError(f"{name} must use https in production")


def _hosts(env: dict[str, str], name: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in env.get(name, "").split(",") if h.strip())
    for host in hosts:
        if "/" in host or " " in host:
            raise ConfigError(f"{name} is a comma-separated list of host names, not {host!r}")
    return hosts
