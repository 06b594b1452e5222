"""E-mail notices (segl.notify.mail, segl.notify.optout, decision 42) through Django's SMTP backend
to a real SMTP server on loopback (aiosmtpd): both languages, the headers mail providers expect,
List-Unsubscribe only where a citizen may switch a notice off, and a refused connection tried
again."""

from __future__ import annotations

import email
import json
import socket
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core.cache import cache

from segl.notify import delivery
from segl.notify.gateways import send_email
from segl.notify.models import EmailOptOut, OutboxMessage
from segl.notify.notices import send_to, tell
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

ADDRESS = "eva.notices@segl.example"


class Inbox:
    """What the SMTP server was given: each mail, and who logged in."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            ok = (auth_data.login, auth_data.password) == (b"segl", b"mail secret")
            return AuthResult(success=ok)
        return AuthResult(success=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server(inbox: Inbox, port: int) -> Controller:
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,  # loopback; STARTTLS is the operator's SEGL_EMAIL_SECURITY
    )
    controller.start()
    return controller


@pytest.fixture
def smtp(settings):
    """segl's e-mail gateway pointed at a port; the test starts the server on it."""
    port = _free_port()
    settings.SEGL_GATEWAYS = {**settings.SEGL_GATEWAYS, "email": "segl.notify.mail.DjangoMail"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # not pytest's locmem
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "segl", "mail secret"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "segl <no-reply@segl.example>"
    cache.clear()  # the channels' counts of this minute
    inbox = Inbox()
    servers: list[Controller] = []
    inbox.start = lambda: servers.append(_server(inbox, port))  # type: ignore[attr-defined]
    yield inbox
    for server in servers:
        server.stop()


def _person(user_id: str):
    person = make_person(user_id).identity.person
    person.email = ADDRESS
    person.save(update_fields=["email"])
    return person


def _deliver(now: datetime | None = None) -> tuple[int, int]:
    return delivery.deliver_due(now=now or datetime.now(UTC))


def test_a_security_notice_arrives_in_danish_and_english_and_cannot_be_switched_off(smtp):
    smtp.start()
    tell(_person("mail-eva-1"), "password_changed", now=datetime.now(UTC))
    assert _deliver() == (2, 0)  # the SMS and the e-mail
    [mail] = smtp.mails
    assert smtp.logins == [(b"segl", b"mail secret")]  # the credentials from the settings
    assert mail["To"] == ADDRESS and mail["From"] == "segl <no-reply@segl.example>"
    assert mail["Subject"] == "segl: Besked om dit segl / A notice about your segl"
    assert mail["Date"] and mail["Message-ID"].endswith("@segl.example>")
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    danish = body.index("Adgangskoden til dit segl er ændret.")
    english = body.index("The password of your segl has been changed.")
    assert danish < body.index("-- English --") < english
    assert "sikkerheden ved dit segl" in body and "security of your segl" in body
    # A security notice has no way to switch it off.
    assert "List-Unsubscribe" not in mail and "List-Unsubscribe-Post" not in mail
    stored = OutboxMessage.objects.get(channel="email")
    assert stored.reference == mail["Message-ID"] and stored.sent_at is not None


def test_a_notice_that_is_a_courtesy_can_be_switched_off_with_one_click(smtp, client):
    smtp.start()
    person = _person("mail-eva-2")
    now = datetime.now(UTC)
    send_to(person, danish="Din kodeviser er sendt.", english="Your code display has been sent.",
            purpose="order_shipped", now=now)  # fmt: skip
    _deliver(now)
    [mail] = smtp.mails
    assert mail["Subject"] == "segl: Din bestilling / Your order"
    link = mail["List-Unsubscribe"].strip().strip("<>")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # RFC 8058
    assert link in mail.get_content()  # and in the text, for a reader whose client hides it
    path = urlsplit(link).path
    # The link shows what it does before it does it.
    page = client.get(path)
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert not EmailOptOut.objects.exists()
    # The mail provider's one-click POST switches it off; twice is no error.
    for _ in range(2):
        answer = client.post(path, "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert answer.status_code == 200 and b"You have unsubscribed" in answer.content
    assert EmailOptOut.objects.count() == 1
    assert ADDRESS not in EmailOptOut.objects.get().address_hash  # a keyed hash, not the address
    # No more of these to that address, in any case of its letters; the SMS still goes.
    person.email = ADDRESS.upper()
    send_to(person, danish="Din chip kan hentes.", english="Your chip is ready.",
            purpose="order_ready", now=now)  # fmt: skip
    assert not OutboxMessage.objects.filter(channel="email", purpose="order_ready").exists()
    assert OutboxMessage.objects.filter(channel="sms", purpose="order_ready").exists()
    # A security notice still comes.
    tell(person, "password_changed", now=now)
    _deliver(now)
    assert [m["Subject"] for m in smtp.mails][-1].startswith("segl: Besked om dit segl")


def test_a_link_segl_did_not_make_switches_nothing_off(client):
    for token in ["not-a-token", "ZXZhQHNlZ2wuZXhhbXBsZQ:1abc:forged"]:
        answer = client.post(f"/notices/unsubscribe/{token}/")
        assert answer.status_code == 404 and b"The link does not work" in answer.content
    assert not EmailOptOut.objects.exists()


def test_a_refused_connection_is_tried_again_and_the_mail_then_arrives(smtp):
    now = datetime.now(UTC)
    tell(_person("mail-eva-3"), "user_id_changed", now=now)
    assert _deliver(now) == (1, 1)  # the SMS went; no SMTP server listens yet
    waiting = OutboxMessage.objects.get(channel="email")
    assert waiting.sent_at is None and waiting.dead_at is None
    assert "ConnectionRefusedError" in waiting.error and waiting.next_attempt_at is not None
    smtp.start()
    assert _deliver(waiting.next_attempt_at) == (1, 0)
    [mail] = smtp.mails
    assert "Bruger-ID'et til dit segl er ændret." in mail.get_content()


class _Postmark(BaseHTTPRequestHandler):
    """Postmark's API as django-anymail speaks to it: one e-mail per POST /email."""

    received: list[tuple[str, dict[str, str], dict[str, Any]]] = []
    answers: list[int] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.answers.pop(0) if self.answers else 200
        self.received.append((self.path, dict(self.headers), body))
        answer = json.dumps(
            {"To": body.get("To"), "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
             "ErrorCode": 0 if status == 200 else 100, "Message": "OK"}
        ).encode()  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_an_operator_may_send_by_a_providers_api_through_django_anymail(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Postmark)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Postmark.received, _Postmark.answers = [], [500]
    settings.SEGL_GATEWAYS = {**settings.SEGL_GATEWAYS, "email": "segl.notify.mail.DjangoMail"}
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "server-token-1",
        "POSTMARK_API_URL": f"http://127.0.0.1:{server.server_address[1]}/",
    }
    cache.clear()
    try:
        now = datetime.now(UTC)
        tell(_person("mail-eva-5"), "password_changed", now=now)
        assert _deliver(now) == (1, 1)  # the provider's 500: tried again later
        waiting = OutboxMessage.objects.get(channel="email")
        assert "AnymailRequestsAPIError" in waiting.error
        assert _deliver(waiting.next_attempt_at) == (1, 0)
    finally:
        server.shutdown()
    path, headers, body = _Postmark.received[-1]
    assert path == "/email" and headers["X-Postmark-Server-Token"] == "server-token-1"
    assert body["To"] == ADDRESS and body["Subject"].startswith("segl: Besked om dit segl")
    assert "Adgangskoden til dit segl er ændret." in body["TextBody"]
    assert "The password of your segl has been changed." in body["TextBody"]


def test_an_appointment_mail_says_no_word_of_security_and_only_its_reminder_can_be_stopped(smtp):
    smtp.start()
    now = datetime.now(UTC)
    for purpose in ("appointment_booked", "appointment_reminder"):
        send_email(to=ADDRESS, text="Din tid er booket.\n\nYour appointment is booked.",
                   purpose=purpose, now=now)  # fmt: skip
    assert _deliver(now) == (2, 0)
    booked, reminder = smtp.mails
    assert booked["Subject"] == "segl: Din tid i Borgerservice / Your appointment"
    assert "List-Unsubscribe" not in booked and "security" not in booked.get_content()
    assert "Your appointment is booked." in booked.get_content()
    assert "List-Unsubscribe" in reminder and "unsubscribe here" in reminder.get_content()
