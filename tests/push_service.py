"""A Web Push service on loopback for tests: the push service's side of RFC 8030, with the checks
of RFC 8291 (message encryption) and RFC 8292 (VAPID).

``with PushService() as service:`` listens on 127.0.0.1 on a free port. ``service.subscribe()``
plays the browser: it makes a push resource and the user agent's keys, and gives what
``PushSubscription.toJSON()`` would. A push to ``POST /push/{id}`` is checked as a push service
would check it and, if accepted (201 Created), recorded; the test reads it with
``service.messages(id)`` or ``service.wait_for(id)`` and decrypts it with
``subscription.decrypt(received.body)``. ``service.gone(id)`` and ``service.fail(id, ...)`` make
a subscription expire or the service falter.

The answers, in the order they are checked:

* 410 Gone: an unknown push resource, or one marked gone. RFC 8030 section 7.3 has a push
  service answer 404 for an expired subscription; push services answer 410 too, and an
  application server takes either as "drop this subscription" (``gone(id, status=404)`` gives
  the other);
* whatever ``fail`` asked for, the message not recorded;
* 401 Unauthorized, with ``WWW-Authenticate: vapid``: no ``Authorization: vapid t=..., k=...``
  (RFC 8292 section 3), a malformed one, a JWT not ES256, or claims that do not hold (RFC 8292
  section 2): "aud" not this service's origin, "exp" past or more than 24 hours ahead, "sub"
  missing or neither ``mailto:`` nor ``https:`` (RFC 8292 makes "sub" optional; this service
  requires it);
* 403 Forbidden: a JWT whose signature the key in "k" does not verify, or a push to a
  subscription made with an application server key from another key (RFC 8292 section 4.2);
* 400 Bad Request: no TTL, or not delta-seconds (RFC 8030 section 5.2); an Urgency not one of
  its four values, or more than one (5.3); a Topic longer than 32 characters or outside
  base64url (5.4);
* 415 Unsupported Media Type: a body whose Content-Encoding is not exactly one ``aes128gcm``
  (RFC 8291 section 4);
* 413 Payload Too Large: a body over ``max_body`` octets (RFC 8030 section 7.2, which allows no
  413 at 4096 octets or fewer; 4096 by default);
* 400 Bad Request: an ``aes128gcm`` body that breaks RFC 8291 section 4 (a ``keyid`` that is
  not a P-256 point, more than one record), or whose ``keyid`` is the VAPID key "k" (RFC 8292
  section 3.2: the ECDH key and the signing key must differ).

A push that passes all of them gets 201 Created, with Location (``{origin}/message/{n}``) and
TTL (RFC 8030 section 5), and is recorded.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import secrets
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

URGENCIES = ("very-low", "low", "normal", "high")
# RFC 8292 section 2: a token's "exp" is at most 24 hours after the request.
MAX_TOKEN_LIFETIME = 24 * 60 * 60
# RFC 8188 section 2.1: salt (16), rs (4), idlen (1), then keyid; RFC 8291 section 4: the
# keyid is the application server's public key, an uncompressed P-256 point (65).
HEADER_LENGTH = 16 + 4 + 1 + 65
TAG_LENGTH = 16

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_DELTA_SECONDS = re.compile(r"[0-9]+")
_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
_PUSH_PATH = re.compile(r"/push/([A-Za-z0-9_-]+)")


def b64url_encode(data: bytes) -> str:
    """base64url without padding, as the Push API and JWTs write it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding; ValueError for anything else."""
    text = text.rstrip("=")
    if not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as error:
        raise ValueError("not base64url") from error


def public_point(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (X9.62) of a P-256 key, as ``p256dh`` and ``k`` carry it."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key = key.public_key()
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@dataclass(frozen=True)
class Subscription:
    """A push subscription as a browser holds it: the push resource and the user agent's keys."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    auth: bytes = field(repr=False)
    application_server_key: str | None = None

    @property
    def info(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives, the application server's input."""
        return {
            "endpoint": self.endpoint,
            "keys": {
                "p256dh": b64url_encode(public_point(self.private_key)),
                "auth": b64url_encode(self.auth),
            },
        }

    def decrypt(self, body: bytes) -> bytes:
        """The plaintext of an ``aes128gcm`` body (RFC 8188, RFC 8291), as the user agent would
        read it; http_ece's ECEException (or ValueError for a bad keyid) if it does not open."""
        plaintext: bytes = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm"
        )
        return plaintext


@dataclass(frozen=True)
class Received:
    """A push message the service accepted."""

    location: str  # its push message resource, the 201's Location
    headers: dict[str, str]  # the request's, names in lower case
    body: bytes  # as sent: the aes128gcm body, or b"" for a push without data
    ttl: int
    urgency: str  # "normal" when the request had no Urgency (RFC 8030 section 5.3)
    topic: str | None
    vapid_claims: dict[str, Any]  # the JWT's claims, checked
    vapid_key: str  # the "k" parameter, as sent


class Refused(Exception):
    """A push the service answers with an error status."""

    def __init__(
        self, status: HTTPStatus, reason: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = dict(headers or {})


def _unauthorized(reason: str) -> Refused:
    return Refused(HTTPStatus.UNAUTHORIZED, reason, {"WWW-Authenticate": "vapid"})


def check_vapid(authorization: str | None, audience: str, now: float) -> tuple[dict[str, Any], str]:
    """Check an ``Authorization: vapid t=<JWT>, k=<key>`` header (RFC 8292 sections 2 and 3);
    the JWT's claims and the k value, or Refused."""
    if not authorization:
        raise _unauthorized("no Authorization")
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise _unauthorized(f"Authorization scheme {scheme!r}, not vapid")
    params: dict[str, str] = {}
    for param in filter(None, (part.strip() for part in rest.split(","))):
        name, equals, value = param.partition("=")
        if not equals:
            raise _unauthorized(f"malformed Authorization parameter {param!r}")
        params[name.strip().lower()] = value.strip()  # others than t and k are ignored
    if "t" not in params or "k" not in params:
        raise _unauthorized("Authorization without t or k")
    token, key_text = params["t"], params["k"]
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(key_text)
        )
    except ValueError as error:
        raise _unauthorized("k is not a P-256 public key") from error
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(b64url_decode(header_part))
        claims = json.loads(b64url_decode(claims_part))
        signature = b64url_decode(signature_part)
    except ValueError as error:  # also json.JSONDecodeError and UnicodeDecodeError
        raise _unauthorized("t is not a JWT") from error
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise _unauthorized("the JWT is not ES256")
    if not isinstance(claims, dict):
        raise _unauthorized("the JWT's claims are not an object")
    if len(signature) != 64:
        raise _unauthorized("an ES256 signature is 64 octets")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(
            der, f"{header_part}.{claims_part}".encode("ascii"), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature as error:
        raise Refused(HTTPStatus.FORBIDDEN, "the JWT's signature does not verify with k") from error
    if claims.get("aud") != audience:
        raise _unauthorized(f"aud {claims.get('aud')!r} is not {audience!r}")
    expiry = claims.get("exp")
    if not isinstance(expiry, int) or isinstance(expiry, bool):
        raise _unauthorized("exp missing or not a NumericDate")
    if expiry <= now:
        raise _unauthorized("the JWT has expired")
    if expiry > now + MAX_TOKEN_LIFETIME:
        raise _unauthorized("exp is more than 24 hours ahead")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.startswith(("mailto:", "https:")):
        raise _unauthorized("sub is neither a mailto: nor an https: URI")
    return claims, key_text


def check_body(body: bytes, content_encoding: str | None, max_body: int, vapid_key: bytes) -> None:
    """Check a push message's body: ``aes128gcm`` only, one record, the sender's ECDH key as
    keyid (RFC 8291 section 4) and not its VAPID key (RFC 8292 section 3.2), no more than
    ``max_body`` octets (RFC 8030 section 7.2)."""
    if content_encoding is None or content_encoding.strip().lower() != "aes128gcm":
        raise Refused(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"Content-Encoding {content_encoding!r}: a push message is aes128gcm",
        )
    if len(body) > max_body:
        raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"over {max_body} octets")
    if len(body) < HEADER_LENGTH + TAG_LENGTH + 1:
        raise Refused(HTTPStatus.BAD_REQUEST, "too short for an aes128gcm push message")
    record_size, keyid_length = struct.unpack("!LB", body[16:21])
    if keyid_length != 65:
        raise Refused(HTTPStatus.BAD_REQUEST, "the keyid is not a 65-octet P-256 point")
    keyid = body[21:HEADER_LENGTH]
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), keyid)
    except ValueError as error:
        raise Refused(HTTPStatus.BAD_REQUEST, "the keyid is not a P-256 point") from error
    if keyid == vapid_key:
        raise Refused(HTTPStatus.BAD_REQUEST, "the ECDH key (keyid) is the VAPID key (k)")
    if record_size <= len(body) - HEADER_LENGTH:
        raise Refused(HTTPStatus.BAD_REQUEST, "rs must exceed the record: one record only")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: PushService


class _Handler(BaseHTTPRequestHandler):
    """One HTTP request: reads it whole, lets the PushService answer, closes."""

    server: _Server

    def do_POST(self) -> None:
        if "Transfer-Encoding" in self.headers:
            self._reply(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._reply(HTTPStatus.BAD_REQUEST, "bad Content-Length")
            return
        body = self.rfile.read(length) if length > 0 else b""
        match = _PUSH_PATH.fullmatch(urlsplit(self.path).path)
        if match is None:
            self._reply(HTTPStatus.NOT_FOUND, "no such resource")
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():  # a repeated field as one list (RFC 9110 5.3)
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        status, reason, response_headers = self.server.service._push(match[1], headers, body)
        self._reply(status, reason, response_headers)

    def _reply(self, status: int, reason: str, headers: Mapping[str, str] | None = None) -> None:
        text = reason.encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output is not the place for an access log."""


class PushService:
    """The push service: push resources, the messages they received, and faults on demand.

    Every method may be called from any thread; the HTTP server answers on threads of its own.
    """

    def __init__(self, max_body: int = 4096) -> None:
        self.max_body = max_body
        self._condition = threading.Condition()
        self._subscriptions: dict[str, Subscription] = {}
        self._gone: dict[str, int] = {}
        self._failures: defaultdict[str, deque[tuple[int, int | None]]] = defaultdict(deque)
        self._tries: defaultdict[str, int] = defaultdict(int)
        self._messages: defaultdict[str, list[Received]] = defaultdict(list)
        self._serial = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Running.

    def start(self) -> PushService:
        """Listen on 127.0.0.1, on a port the system picks."""
        if self._server is not None:
            raise RuntimeError("the push service is already running")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.service = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="push-service",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; pushes after this cannot connect."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> PushService:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``: the audience a VAPID token must name."""
        if self._server is None:
            raise RuntimeError("the push service is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # What a test sets up.

    def subscribe(self, application_server_key: str | None = None) -> Subscription:
        """A new push resource and user agent keys (a P-256 key pair, a 16-octet auth secret).

        ``application_server_key`` (base64url of an uncompressed P-256 point, as
        ``PushManager.subscribe`` takes it) restricts the subscription to pushes whose VAPID key
        is that one (RFC 8292 section 4).
        """
        if application_server_key is not None:
            ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(application_server_key)
            )
        resource = secrets.token_urlsafe(18)
        subscription = Subscription(
            id=resource,
            endpoint=f"{self.origin}/push/{resource}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            application_server_key=application_server_key,
        )
        with self._condition:
            self._subscriptions[resource] = subscription
        return subscription

    def gone(self, id: str, status: int = 410) -> None:
        """From now on, pushes to ``id`` get 410 Gone (or ``status``, 404 say): the subscription
        expired or the user agent dropped it."""
        with self._condition:
            self._gone[id] = status

    def fail(
        self, id: str, status: int = 500, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next ``times`` pushes to ``id`` with ``status`` (500, 503, 429, ...) and
        record nothing; ``retry_after`` adds a Retry-After header (seconds)."""
        with self._condition:
            self._failures[id].extend([(status, retry_after)] * times)

    # What a test reads.

    def tries(self, id: str) -> int:
        """How many pushes to ``id`` arrived, whatever they were answered."""
        with self._condition:
            return self._tries.get(id, 0)

    def messages(self, id: str) -> list[Received]:
        """The messages accepted for ``id``, oldest first."""
        with self._condition:
            return list(self._messages.get(id, ()))

    def wait_for(self, id: str, count: int = 1, timeout: float = 10) -> list[Received]:
        """Block until ``count`` messages were accepted for ``id``; all of them, oldest first.
        AssertionError if they have not after ``timeout`` seconds."""
        with self._condition:
            arrived = self._condition.wait_for(
                lambda: len(self._messages.get(id, ())) >= count, timeout
            )
            received = list(self._messages.get(id, ()))
        if not arrived:
            raise AssertionError(
                f"{len(received)} of {count} push messages for {id} arrived in {timeout} s"
            )
        return received

    # Answering a push.

    def _push(
        self, id: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, dict[str, str]]:
        """Answer ``POST /push/{id}``: status, reason, response headers."""
        with self._condition:
            self._tries[id] += 1
            subscription = self._subscriptions.get(id)
            if subscription is None or id in self._gone:
                return self._gone.get(id, HTTPStatus.GONE), "no such subscription", {}
            if self._failures[id]:
                status, retry_after = self._failures[id].popleft()
                extra = {} if retry_after is None else {"Retry-After": str(retry_after)}
                return status, "failing as asked", extra
        try:
            message = self._check(subscription, headers, body)
        except Refused as refused:
            return refused.status, refused.reason, refused.headers
        with self._condition:
            location = f"{self.origin}/message/{next(self._serial)}"
            self._messages[id].append(
                Received(location=location, headers=headers, body=body, **message)
            )
            self._condition.notify_all()
        return HTTPStatus.CREATED, "", {"Location": location, "TTL": str(message["ttl"])}

    def _check(
        self, subscription: Subscription, headers: dict[str, str], body: bytes
    ) -> dict[str, Any]:
        """The checks of RFC 8030, 8291 and 8292; the message's fields, or Refused."""
        claims, key = check_vapid(headers.get("authorization"), self.origin, time.time())
        restricted_to = subscription.application_server_key
        if restricted_to is not None and b64url_decode(key) != b64url_decode(restricted_to):
            raise Refused(HTTPStatus.FORBIDDEN, "not the subscription's application server key")
        ttl = headers.get("ttl", "").strip()
        if not _DELTA_SECONDS.fullmatch(ttl):
            raise Refused(HTTPStatus.BAD_REQUEST, "a push message needs a TTL in seconds")
        urgency = headers.get("urgency", "normal").strip().lower()
        if urgency not in URGENCIES:
            raise Refused(HTTPStatus.BAD_REQUEST, f"Urgency {urgency!r}")
        topic = headers.get("topic")
        if topic is not None and not _TOPIC.fullmatch(topic):
            raise Refused(HTTPStatus.BAD_REQUEST, "a Topic is 1 to 32 base64url characters")
        if body:
            check_body(body, headers.get("content-encoding"), self.max_body, b64url_decode(key))
        return {
            "ttl": int(ttl),
            "urgency": urgency,
            "topic": topic,
            "vapid_claims": claims,
            "vapid_key": key,
        }
