"""The SMS gateway (segl.notify.sms.HttpSms) against an SMS provider stand-in on loopback: the
request's shape and credentials (JSON and form), what the provider's answer means (sent, tried
again with backoff until dead, refused for good), a provider that cannot be reached, the
temporary PIN kept out of errors and cleared once sent, delivery receipts at
``POST /notices/sms/receipt``, and the checks on the SMS settings."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from django.core.cache import cache

from segl.config import ConfigError, load
from segl.noticesettings import notice_settings
from segl.notify import delivery
from segl.notify.gateways import send_sms
from segl.notify.models import OutboxMessage
from segl.notify.notices import send_temporary_pin
from tests.test_config import GOOD as CONFIG_GOOD

pytestmark = pytest.mark.django_db

HTTP_SMS = "segl.notify.sms.HttpSms"
RECEIPT_URL = "/notices/sms/receipt"
API_TOKEN = "sk-test-" + "7f3a" * 8
BODY = '{"messages": [{"to": "{to}", "body": "{text}", "from": "{sender}"}], "ref": "{reference}"}'
# Quotes, a newline, æøå, a backslash and the template's own places: all to stay as written.
TEXT = 'Hej "Åse"\nDin tid hos {to} er flyttet: æøå ÆØÅ, 100% \\ {sender} {reference} {text}'
PLAIN = "Din segl er ændret."


# The provider stand-in ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request as the provider received it."""

    method: str
    path: str
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("ascii"), keep_blank_values=True, strict_parsing=True)


class Provider:
    """An SMS provider's HTTP API on 127.0.0.1: records every request and answers from a queue
    of (status, JSON body), or 200 with ``{"id": "prov-<n>"}`` for the n-th request."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.answers: deque[tuple[int, Any]] = deque()
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                provider._handle(self)

            do_GET = do_PUT = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}/v1/sms"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, *answers: tuple[int, Any]) -> None:
        """The next requests' answers, in order."""
        with self._lock:
            self.answers.extend(answers)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        with self._lock:
            self.requests.append(Request(handler.command, handler.path, handler.headers, body))
            number = len(self.requests)
            status, answer = (
                self.answers.popleft() if self.answers else (200, {"id": f"prov-{number}"})
            )
        raw = json.dumps(answer).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        handler.wfile.write(raw)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def start_provider() -> Iterator[Callable[[], Provider]]:
    """Starts a provider stand-in when called; every one started is stopped afterwards."""
    started: list[Provider] = []

    def start() -> Provider:
        started.append(Provider())
        return started[-1]

    yield start
    for provider in started:
        provider.stop()


@pytest.fixture
def provider(start_provider: Callable[[], Provider], settings: Any) -> Provider:
    """A provider stand-in, and segl's SMS going to it with a bearer token."""
    running = start_provider()
    use_sms(settings, sms_url=running.url, sms_auth="Bearer " + API_TOKEN)
    cache.clear()  # the channels' counts of this minute
    return running


def use_sms(settings: Any, **changes: Any) -> None:
    """SMS by HttpSms, with these notice settings changed (for this test only)."""
    notices = dataclasses.replace(settings.CONFIG.notices, **changes)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, notices=notices)
    settings.SEGL_GATEWAYS = {**settings.SEGL_GATEWAYS, "sms": HTTP_SMS}


def queued(to: str, now: datetime, text: str = PLAIN) -> OutboxMessage:
    """A message written, its request's own try not made (its transaction did not commit)."""
    send_sms(to=to, text=text, purpose="password_changed", now=now)
    return OutboxMessage.objects.get(to=to)


def stored(message: OutboxMessage) -> OutboxMessage:
    return OutboxMessage.objects.get(pk=message.pk)


# The request ----------------------------------------------------------------------------------


def test_the_sms_reaches_the_provider_as_its_json_template_says_with_the_credentials(
    provider, settings
):
    use_sms(settings, sms_body=BODY, sms_sender="Kommunen")
    now = datetime.now(UTC)
    message = queued("+4520000001", now, TEXT)

    assert delivery.deliver_due(now=now) == (1, 0)

    [request] = provider.requests
    assert (request.method, request.path) == ("POST", "/v1/sms")
    assert request.headers["Authorization"] == "Bearer " + API_TOKEN
    assert request.headers.get_content_type() == "application/json"
    # The text is one JSON string, exactly as written: quotes, newline, æøå, and its "{to}"
    # left as it is; the template's own places filled in.
    assert request.json() == {
        "messages": [{"to": "+4520000001", "body": TEXT, "from": "Kommunen"}],
        "ref": f"segl-{message.pk}",
    }
    sent = stored(message)
    assert sent.sent_at is not None and sent.attempts == 1 and sent.error == ""
    assert sent.reference == "prov-1"  # the provider's id, for its receipts
    assert sent.text == TEXT  # no secret in it: the outbox keeps it


def test_a_form_provider_gets_the_template_s_fields_with_its_own_auth_header(provider, settings):
    use_sms(
        settings,
        sms_encoding="form",
        sms_auth_header="X-Api-Key",
        sms_auth="key-" + API_TOKEN,
        sms_body='{"to": "{to}", "message": "{text}", "sender": "{sender}", "ref": "{reference}"}',
    )
    provider.answer((201, {"message_id": 987}))
    text = "Hej & farvel = 100% æøå\n+ mere"
    now = datetime.now(UTC)
    message = queued("+4520000002", now, text)

    assert delivery.deliver_due(now=now) == (1, 0)

    [request] = provider.requests
    assert request.headers["X-Api-Key"] == "key-" + API_TOKEN
    assert "Authorization" not in request.headers
    assert request.headers.get_content_type() == "application/x-www-form-urlencoded"
    assert request.form() == {
        "to": ["+4520000002"],
        "message": [text],
        "sender": ["segl"],
        "ref": [f"segl-{message.pk}"],
    }
    assert stored(message).reference == "987"


# The provider's answer ------------------------------------------------------------------------


# 401 and 403: the credentials are wrong until an operator fixes them; 302: a provider moved.
@pytest.mark.parametrize("status", [503, 500, 429, 408, 425, 401, 403, 302])
def test_a_busy_provider_is_tried_again_with_backoff_until_the_message_is_dead(provider, status):
    # The provider's answer repeats the text: segl's error must not.
    provider.answer(*[(status, {"error": f"busy, not sending {PLAIN!r}"})] * 10)
    now = datetime.now(UTC)
    message = queued("+4520000003", now)
    at = now
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        assert delivery.deliver_due(now=at) == (0, 1)
        assert len(provider.requests) == attempt
        tried = stored(message)
        assert tried.attempts == attempt
        assert str(status) in tried.error
        assert "ændret" not in tried.error and "busy" not in tried.error
        if attempt < delivery.MAX_ATTEMPTS:
            assert tried.dead_at is None
            assert tried.next_attempt_at == at + delivery.wait_after(attempt)
            # Not tried before its wait is over.
            early = tried.next_attempt_at - timedelta(seconds=1)
            assert delivery.deliver_due(now=early) == (0, 0)
            assert len(provider.requests) == attempt
            at = tried.next_attempt_at
    dead = stored(message)
    assert dead.dead_at == at and dead.sent_at is None and dead.reference == ""
    assert len({r.body for r in provider.requests}) == 1  # the same message each time
    # Dead: never tried again by the worker.
    assert delivery.deliver_due(now=at + timedelta(days=1)) == (0, 0)
    assert len(provider.requests) == delivery.MAX_ATTEMPTS


@pytest.mark.parametrize("status", [400, 404, 422])
def test_a_refusal_for_good_makes_the_message_dead_after_one_try(provider, status):
    provider.answer((status, {"error": "unknown number"}))
    now = datetime.now(UTC)
    message = queued("+4500000000", now)

    assert delivery.deliver_due(now=now) == (0, 1)

    dead = stored(message)
    assert dead.dead_at == now and dead.sent_at is None and dead.attempts == 1
    assert "Undeliverable" in dead.error and str(status) in dead.error
    assert "unknown number" not in dead.error
    assert delivery.deliver_due(now=now + timedelta(days=1)) == (0, 0)
    assert len(provider.requests) == 1


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_provider_that_cannot_be_reached_is_tried_again_and_gets_it_when_back(
    start_provider, settings
):
    use_sms(settings, sms_url=f"http://127.0.0.1:{_closed_port()}/v1/sms", sms_auth="Bearer x")
    cache.clear()
    now = datetime.now(UTC)
    message = queued("+4520000005", now)

    assert delivery.deliver_due(now=now) == (0, 1)

    waiting = stored(message)
    assert waiting.dead_at is None and waiting.attempts == 1
    assert "could not be reached" in waiting.error
    assert waiting.next_attempt_at == now + delivery.wait_after(1)
    # The provider is back.
    provider = start_provider()
    use_sms(settings, sms_url=provider.url)
    assert delivery.deliver_due(now=waiting.next_attempt_at - timedelta(seconds=1)) == (0, 0)
    assert provider.requests == []
    assert delivery.deliver_due(now=waiting.next_attempt_at) == (1, 0)
    assert [r.json()["to"] for r in provider.requests] == ["+4520000005"]
    sent = stored(message)
    assert sent.sent_at is not None and sent.attempts == 2 and sent.error == ""
    assert sent.reference == "prov-1"


# The temporary PIN ----------------------------------------------------------------------------


def test_the_temporary_pin_reaches_the_provider_and_no_copy_stays(provider):
    now = datetime.now(UTC)
    send_temporary_pin(to="+4520000006", pin="123456", now=now, until=now + timedelta(minutes=10))
    message = OutboxMessage.objects.get(to="+4520000006")
    assert "123456" in message.text  # waiting: the secret is there to send

    assert delivery.deliver_due(now=now) == (1, 0)

    [request] = provider.requests
    assert "123456" in request.json()["text"]
    sent = stored(message)
    assert sent.sent_at is not None and sent.text == "" and sent.reference == "prov-1"


def test_a_pin_the_provider_could_not_take_is_kept_for_the_retry_but_not_in_the_error(provider):
    provider.answer((503, {"error": "queue full, dropped 'pinkode er 123456'"}))
    now = datetime.now(UTC)
    send_temporary_pin(to="+4520000007", pin="123456", now=now, until=now + timedelta(minutes=10))
    message = OutboxMessage.objects.get(to="+4520000007")

    assert delivery.deliver_due(now=now) == (0, 1)

    waiting = stored(message)
    assert "503" in waiting.error and "123456" not in waiting.error
    assert "123456" in waiting.text  # still good: the retry sends it
    assert waiting.dead_at is None
    assert waiting.next_attempt_at < message.secret_until

    assert delivery.deliver_due(now=waiting.next_attempt_at) == (1, 0)

    assert len(provider.requests) == 2
    assert all("123456" in r.json()["text"] for r in provider.requests)
    sent = stored(message)
    assert sent.sent_at is not None and sent.text == "" and sent.error == ""


# Delivery receipts ----------------------------------------------------------------------------


@pytest.fixture
def receipt_token(provider, settings) -> str:
    token = secrets.token_hex(20)
    assert len(token) == 40
    use_sms(settings, sms_receipt_token=token)
    return token


def _sent(to: str) -> OutboxMessage:
    """An SMS the provider took, with its reference."""
    now = datetime.now(UTC)
    message = queued(to, now)
    assert delivery.deliver_due(now=now) == (1, 0)
    return stored(message)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + token}


def test_a_receipt_needs_the_receipt_token(client, receipt_token):
    message = _sent("+4520000008")
    body = json.dumps({"reference": message.reference, "status": "delivered"})
    for headers in ({}, _bearer("wrong-" + receipt_token), _bearer(""), {"Authorization": "x"}):
        response = client.post(RECEIPT_URL, body, content_type="application/json", headers=headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    wrong_basic = base64.b64encode(b"provider:not-the-token").decode()
    response = client.post(
        RECEIPT_URL,
        body,
        content_type="application/json",
        headers={"Authorization": "Basic " + wrong_basic},
    )
    assert response.status_code == 401
    unchanged = stored(message)
    assert unchanged.receipt == "" and unchanged.delivered_at is None
    assert client.get(RECEIPT_URL, headers=_bearer(receipt_token)).status_code == 405


def test_a_delivered_receipt_is_recorded_on_the_sms_and_not_on_another_channel(
    client, receipt_token, clock
):
    message = _sent("+4520000009")
    mail = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        to="anna@example.org",
        text="x",
        purpose="test",
        created_at=clock(),
        sent_at=clock(),
        reference=message.reference,
    )
    response = client.post(
        RECEIPT_URL,
        {"reference": message.reference, "status": "delivered"},
        content_type="application/json",
        headers=_bearer(receipt_token),
    )
    assert response.status_code == 200 and response.json() == {"recorded": 1}
    delivered = stored(message)
    assert delivered.receipt == "delivered" and delivered.delivered_at == clock()
    untouched = stored(mail)
    assert untouched.receipt == "" and untouched.delivered_at is None


def test_a_receipt_may_give_the_providers_id_as_a_number(client, receipt_token, clock):
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.SMS, to="+4520000012", text="x", purpose="test",
        created_at=clock(), sent_at=clock(), reference="987",
    )  # fmt: skip
    response = client.post(
        RECEIPT_URL,
        {"reference": 987, "status": "delivered"},
        content_type="application/json",
        headers=_bearer(receipt_token),
    )
    assert response.status_code == 200 and response.json() == {"recorded": 1}
    assert stored(message).receipt == "delivered"


def test_a_failed_receipt_by_basic_auth_and_a_form_is_recorded_with_its_error(
    client, receipt_token
):
    message = _sent("+4520000010")
    credentials = base64.b64encode(f"provider:{receipt_token}".encode()).decode()
    response = client.post(
        RECEIPT_URL,
        urlencode(
            {"reference": message.reference, "status": "failed", "error": "absent subscriber"}
        ),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": "Basic " + credentials},
    )
    assert response.status_code == 200 and response.json() == {"recorded": 1}
    failed = stored(message)
    assert failed.receipt == "failed" and failed.error == "absent subscriber"
    assert failed.delivered_at is None


def test_a_receipt_for_no_message_records_nothing_and_one_without_a_status_is_refused(
    client, receipt_token
):
    message = _sent("+4520000011")
    unknown = client.post(
        RECEIPT_URL,
        {"reference": "prov-unknown", "status": "delivered"},
        content_type="application/json",
        headers=_bearer(receipt_token),
    )
    assert unknown.status_code == 200 and unknown.json() == {"recorded": 0}
    no_status = json.dumps({"reference": message.reference})
    # An empty reference would be every SMS not sent yet.
    no_reference = json.dumps({"reference": "", "status": "delivered"})
    for body in (no_status, no_reference, "{not json", "[]"):
        response = client.post(
            RECEIPT_URL, body, content_type="application/json", headers=_bearer(receipt_token)
        )
        assert response.status_code == 400
    assert stored(message).receipt == ""


def test_without_a_receipt_token_no_receipt_is_taken(client, provider, settings):
    use_sms(settings, sms_receipt_token="")
    message = _sent("+4520000012")
    for token in ("", "anything", "Bearer"):
        response = client.post(
            RECEIPT_URL,
            {"reference": message.reference, "status": "delivered"},
            content_type="application/json",
            headers=_bearer(token),
        )
        assert response.status_code == 401
    assert stored(message).receipt == ""


# The settings ---------------------------------------------------------------------------------

GOOD = {**CONFIG_GOOD, "SEGL_BASE_URL": "https://id.example"}
SMS_AUTH = "Bearer sms-secret-0f9e8d7c6b5a"


def sms_settings(production: bool = True, **env: str) -> Any:
    return notice_settings(env, production=production, support_email="")


@pytest.mark.parametrize(
    "url",
    [
        "https://sms.example/v1/send",
        "http://127.0.0.1:8080/sms",
        "http://localhost:8080/sms",
        "http://[::1]:8080/sms",
    ],
)
def test_the_sms_url_is_https_in_production_unless_on_loopback(url):
    assert sms_settings(SEGL_SMS_URL=url).sms_url == url


def test_a_plain_http_sms_url_is_refused_in_production_only():
    with pytest.raises(ConfigError, match="SEGL_SMS_URL must use https in production"):
        sms_settings(SEGL_SMS_URL="http://sms.example/v1/send")
    assert sms_settings(False, SEGL_SMS_URL="http://sms.example/v1/send").sms_url
    with pytest.raises(ConfigError, match="SEGL_SMS_URL must be an http"):
        sms_settings(False, SEGL_SMS_URL="ftp://sms.example/send")


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"SEGL_SMS_URL": "http://sms.example/send"}, "SEGL_SMS_URL"),
        ({"SEGL_SMS_URL": "sms.example"}, "SEGL_SMS_URL"),
        ({"SEGL_SMS_BODY": "to={to}&text={text}"}, "SEGL_SMS_BODY must be a JSON object"),
        ({"SEGL_SMS_BODY": '["{to}", "{text}"]'}, "places {to} and {text}"),
        ({"SEGL_SMS_BODY": '{"to": "{to}", "message": "hello"}'}, "places {to} and {text}"),
        ({"SEGL_SMS_BODY": '{"text": "{text}"}'}, "places {to} and {text}"),
        (
            {"SEGL_SMS_ENCODING": "form", "SEGL_SMS_BODY": BODY},
            "SEGL_SMS_ENCODING=form needs a flat SEGL_SMS_BODY",
        ),
        ({"SEGL_SMS_ENCODING": "xml"}, "SEGL_SMS_ENCODING must be json or form"),
        ({"SEGL_SMS_RECEIPT_TOKEN": "r" * 31}, "SEGL_SMS_RECEIPT_TOKEN must be at least 32"),
        ({"SEGL_SMS_AUTH_HEADER": "X-Api-Key: x"}, "SEGL_SMS_AUTH_HEADER"),
        ({"SEGL_SMS_AUTH_HEADER": "X-Nøgle"}, "SEGL_SMS_AUTH_HEADER"),
        ({"SEGL_SMS_BODY": '{"{to}": "x", "text": "{text}"}'}, "places {to} and {text}"),
    ],
)
def test_bad_sms_settings_are_refused_by_name_and_never_show_the_credentials(env, says):
    with pytest.raises(ConfigError, match=says) as err:
        sms_settings(SEGL_SMS_AUTH=SMS_AUTH, **env)
    assert SMS_AUTH not in str(err.value) and "sms-secret" not in str(err.value)
    # The same through segl's whole configuration.
    with pytest.raises(ConfigError, match=says) as err:
        load({**GOOD, "SEGL_SMS_AUTH": SMS_AUTH, **env})
    assert "sms-secret" not in str(err.value)


def test_good_sms_settings_are_taken_and_their_secrets_not_shown():
    token = "t" * 32
    notices = sms_settings(
        SEGL_SMS_URL="https://sms.example/v1/send",
        SEGL_SMS_AUTH=SMS_AUTH,
        SEGL_SMS_AUTH_HEADER="X-Api-Key",
        SEGL_SMS_ENCODING="FORM",
        SEGL_SMS_BODY='{"to": "{to}", "text": "{text}"}',
        SEGL_SMS_SENDER="Kommunen",
        SEGL_SMS_RECEIPT_TOKEN=token,
    )
    assert (notices.sms_auth_header, notices.sms_auth) == ("X-Api-Key", SMS_AUTH)
    assert (notices.sms_encoding, notices.sms_sender) == ("form", "Kommunen")
    assert notices.sms_receipt_token == token
    assert "sms-secret" not in repr(notices) and token not in repr(notices)


def test_setting_the_sms_url_alone_sends_sms_by_the_http_provider():
    assert load(GOOD).notices.sms_gateway == "segl.notify.gateways.OutboxGateway"
    notices = load({**GOOD, "SEGL_SMS_URL": "https://sms.example/v1/send"}).notices
    assert notices.sms_gateway == HTTP_SMS
    assert (notices.sms_encoding, notices.sms_auth_header) == ("json", "Authorization")
    assert json.loads(notices.sms_body) == {
        "to": "{to}",
        "text": "{text}",
        "reference": "{reference}",
    }
    chosen = load(
        {**GOOD, "SEGL_SMS_URL": "https://sms.example/v1/send", "SEGL_SMS_GATEWAY": "my.sms.Gw"}
    )
    assert chosen.notices.sms_gateway == "my.sms.Gw"
