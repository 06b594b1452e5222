"""Tests of the RFC 8291 example vector (tests/vectors/rfc8291_example.json) and of the Web Push
stand-in (tests/push_service.py) that the notices' tests send to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from tests.push_service import PushService, Subscription, b64url_decode, b64url_encode, public_point

VECTOR = json.loads((Path(__file__).parent / "vectors" / "rfc8291_example.json").read_text())
SUB = "mailto:ops@segl.example"


def vector(name: str) -> bytes:
    return b64url_decode(VECTOR[name])


def vector_key(name: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(vector(name), "big"), ec.SECP256R1())


# The RFC 8291 example.


def test_the_vector_holds_together() -> None:
    """The file's values are one computation (RFC 8291 section 3.4 and appendix A), so a value
    copied wrong shows here rather than as a mystery in http_ece."""
    as_private, ua_private = vector_key("as_private"), vector_key("ua_private")
    assert public_point(as_private) == vector("as_public")
    assert public_point(ua_private) == vector("ua_public")
    assert vector("plaintext") == VECTOR["plaintext_ascii"].encode("ascii")

    def hmac_sha256(key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, hashlib.sha256).digest()

    ecdh_secret = as_private.exchange(ec.ECDH(), ua_private.public_key())
    assert ecdh_secret == vector("ecdh_secret")
    assert ua_private.exchange(ec.ECDH(), as_private.public_key()) == ecdh_secret
    prk_key = hmac_sha256(vector("auth_secret"), ecdh_secret)
    assert prk_key == vector("prk_key")
    assert vector("key_info") == b"WebPush: info\x00" + vector("ua_public") + vector("as_public")
    ikm = hmac_sha256(prk_key, vector("key_info") + b"\x01")
    assert ikm == vector("ikm")
    prk = hmac_sha256(vector("salt"), ikm)
    assert prk == vector("prk")
    assert vector("cek_info") == b"Content-Encoding: aes128gcm\x00"
    assert hmac_sha256(prk, vector("cek_info") + b"\x01")[:16] == vector("cek")
    assert vector("nonce_info") == b"Content-Encoding: nonce\x00"
    assert hmac_sha256(prk, vector("nonce_info") + b"\x01")[:12] == vector("nonce")

    record_size = VECTOR["record_size"].to_bytes(4, "big")
    assert vector("header") == vector("salt") + record_size + b"\x41" + vector("as_public")
    assert vector("padded_plaintext") == vector("plaintext") + b"\x02"
    sealed = AESGCM(vector("cek")).encrypt(vector("nonce"), vector("padded_plaintext"), None)
    assert sealed == vector("ciphertext")
    assert vector("body") == vector("header") + vector("ciphertext")


def test_http_ece_decrypts_the_example() -> None:
    plaintext = http_ece.decrypt(
        vector("body"),
        private_key=vector_key("ua_private"),
        auth_secret=vector("auth_secret"),
        version="aes128gcm",
    )
    assert plaintext == vector("plaintext")


def test_http_ece_encrypts_the_example_byte_for_byte() -> None:
    """The application server's side: its key pair as the sender, the UA's public key as dh."""
    body = http_ece.encrypt(
        vector("plaintext"),
        salt=vector("salt"),
        private_key=vector_key("as_private"),
        dh=vector("ua_public"),
        auth_secret=vector("auth_secret"),
        rs=VECTOR["record_size"],
        version="aes128gcm",
    )
    assert body == vector("body")


def test_a_subscription_decrypts_the_example() -> None:
    subscription = Subscription(
        id="rfc8291",
        endpoint="https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV",
        private_key=vector_key("ua_private"),
        auth=vector("auth_secret"),
    )
    assert subscription.info["keys"] == {
        "p256dh": VECTOR["ua_public"],
        "auth": VECTOR["auth_secret"],
    }
    assert subscription.decrypt(vector("body")) == vector("plaintext")


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(0, id="salt"),
        pytest.param(40, id="keyid"),
        pytest.param(86, id="ciphertext"),
        pytest.param(143, id="tag"),
    ],
)
def test_one_changed_byte_and_the_example_does_not_decrypt(offset: int) -> None:
    """(Not the rs field: a lone record shorter than rs decrypts whatever rs says.)"""
    body = bytearray(vector("body"))
    body[offset] ^= 0x01
    # A keyid off the curve is refused before decryption, with ValueError.
    with pytest.raises((http_ece.ECEException, ValueError)):
        http_ece.decrypt(
            bytes(body),
            private_key=vector_key("ua_private"),
            auth_secret=vector("auth_secret"),
            version="aes128gcm",
        )


# The push service stand-in.


@pytest.fixture(scope="module")
def service() -> Iterator[PushService]:
    with PushService() as service:
        yield service


@pytest.fixture(scope="module")
def vapid() -> Vapid:
    key = Vapid()
    key.generate_keys()
    return key


def vapid_key(key: Vapid) -> str:
    return b64url_encode(public_point(key.public_key))


def other_key() -> Vapid:
    key = Vapid()
    key.generate_keys()
    return key


def jwt(signer: Vapid, claims: dict[str, Any], header: dict[str, Any]) -> str:
    """A JWT signed with ES256 (RFC 7518 section 3.4: r and s, 32 octets each), whatever its
    header and claims say."""
    signing_input = ".".join(
        b64url_encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    der = signer.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url_encode(r.to_bytes(32) + s.to_bytes(32))}"


def good_push(service: PushService, vapid: Vapid) -> dict[str, Any]:
    """The parts of a push the service accepts; each refusal below spoils one of them."""
    return {
        "headers": {"TTL": "30", "Content-Encoding": "aes128gcm"},
        "scheme": "vapid",
        "jwt_header": {"typ": "JWT", "alg": "ES256"},
        "claims": {"aud": service.origin, "exp": int(time.time()) + 3600, "sub": SUB},
        "signer": vapid,
        "k": vapid_key(vapid),
        "plaintext": b"hello",
        "rs": 4096,
        "ecdh_key": ec.generate_private_key(ec.SECP256R1()),
    }


def send(subscription: Subscription, push: dict[str, Any]) -> requests.Response:
    """POST the push as ``Authorization: vapid t=<JWT>, k=<key>`` (RFC 8292 section 3) with an
    aes128gcm body (RFC 8291); a header set to None is left out."""
    token = jwt(push["signer"], push["claims"], push["jwt_header"])
    headers = {"Authorization": f"{push['scheme']} t={token}, k={push['k']}", **push["headers"]}
    body = http_ece.encrypt(
        push["plaintext"],
        private_key=push["ecdh_key"],
        dh=public_point(subscription.private_key),
        auth_secret=subscription.auth,
        rs=push["rs"],
        version="aes128gcm",
    )
    headers = {name: value for name, value in headers.items() if value is not None}
    return requests.post(subscription.endpoint, data=body, headers=headers, timeout=10)


@pytest.mark.parametrize("key_form", ["Vapid", "raw private key"])
def test_pywebpush_reaches_the_service(service: PushService, vapid: Vapid, key_form: str) -> None:
    subscription = service.subscribe()
    private_key: Vapid | str = vapid
    if key_form == "raw private key":
        private_key = b64url_encode(vapid.private_key.private_numbers().private_value.to_bytes(32))
    data = '{"title": "Sign in to Demo Bank?"}'

    response = webpush(
        subscription.info,
        data,
        vapid_private_key=private_key,
        vapid_claims={"sub": SUB},
        ttl=60,
        headers={"Urgency": "high", "Topic": "sign-in"},
    )

    assert response.status_code == 201
    assert response.headers["Location"].startswith(f"{service.origin}/message/")
    [received] = service.wait_for(subscription.id)
    assert received.location == response.headers["Location"]
    assert subscription.decrypt(received.body) == data.encode()
    assert received.headers["content-encoding"] == "aes128gcm"
    assert (received.ttl, received.urgency, received.topic) == (60, "high", "sign-in")
    assert received.vapid_claims["aud"] == service.origin
    assert received.vapid_claims["sub"] == SUB
    assert received.vapid_key == vapid_key(vapid)
    assert service.tries(subscription.id) == 1


def test_a_push_without_data(service: PushService, vapid: Vapid) -> None:
    """RFC 8030 allows a push message with no body, and so no Content-Encoding."""
    subscription = service.subscribe()
    webpush(subscription.info, None, vapid_private_key=vapid, vapid_claims={"sub": SUB})
    [received] = service.wait_for(subscription.id)
    assert received.body == b""
    assert (received.ttl, received.urgency, received.topic) == (0, "normal", None)


def test_the_info_is_what_a_browser_gives(service: PushService) -> None:
    subscription = service.subscribe()
    info = subscription.info
    assert info["endpoint"] == subscription.endpoint == f"{service.origin}/push/{subscription.id}"
    assert set(info["keys"]) == {"p256dh", "auth"}
    assert "=" not in info["keys"]["p256dh"] + info["keys"]["auth"]
    assert b64url_decode(info["keys"]["p256dh"]) == public_point(subscription.private_key)
    assert len(b64url_decode(info["keys"]["auth"])) == 16


def test_a_wrong_audience_is_refused_through_pywebpush(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    with pytest.raises(WebPushException) as caught:
        webpush(
            subscription.info,
            "hello",
            vapid_private_key=vapid,
            vapid_claims={"sub": SUB, "aud": "https://push.example.net"},
        )
    assert caught.value.response.status_code == 401
    assert caught.value.response.headers["WWW-Authenticate"] == "vapid"
    assert service.messages(subscription.id) == []


def test_the_good_push_passes(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    response = send(subscription, good_push(service, vapid))
    assert response.status_code == 201, response.text
    assert response.headers["TTL"] == "30"
    [received] = service.wait_for(subscription.id)
    assert subscription.decrypt(received.body) == b"hello"


REFUSALS: list[tuple[str, Callable[[dict[str, Any]], object], int]] = [
    ("no TTL", lambda push: push["headers"].pop("TTL"), 400),
    ("a TTL not in seconds", lambda push: push["headers"].update(TTL="soon"), 400),
    ("an unknown Urgency", lambda push: push["headers"].update(Urgency="urgent"), 400),
    ("a Topic too long", lambda push: push["headers"].update(Topic="t" * 33), 400),
    ("a Topic outside base64url", lambda push: push["headers"].update(Topic="sign in"), 400),
    ("no Authorization", lambda push: push["headers"].update(Authorization=None), 401),
    ("another scheme than vapid", lambda push: push.update(scheme="WebPush"), 401),
    ("a wrong aud", lambda push: push["claims"].update(aud="https://push.example.net"), 401),
    ("an expired exp", lambda push: push["claims"].update(exp=int(time.time()) - 60), 401),
    (
        "an exp over 24 h ahead",
        lambda push: push["claims"].update(exp=int(time.time()) + 90000),
        401,
    ),
    ("an exp not a number", lambda push: push["claims"].update(exp="tomorrow"), 401),
    ("no sub", lambda push: push["claims"].pop("sub"), 401),
    ("a sub not a URI", lambda push: push["claims"].update(sub="ops@segl.example"), 401),
    ("a JWT not ES256", lambda push: push["jwt_header"].update(alg="HS256"), 401),
    ("k not a P-256 key", lambda push: push.update(k=b64url_encode(b"\x04" + bytes(64))), 401),
    ("signed by another key than k", lambda push: push.update(signer=other_key()), 403),
    ("no Content-Encoding", lambda push: push["headers"].update({"Content-Encoding": None}), 415),
    ("aesgcm", lambda push: push["headers"].update({"Content-Encoding": "aesgcm"}), 415),
    ("over 4096 octets", lambda push: push.update(plaintext=bytes(4096)), 413),
    ("more than one record", lambda push: push.update(plaintext=bytes(100), rs=64), 400),
    ("the VAPID key for ECDH", lambda push: push.update(ecdh_key=push["signer"].private_key), 400),
]


@pytest.mark.parametrize(
    ("spoil", "status"), [pytest.param(spoil, status, id=name) for name, spoil, status in REFUSALS]
)
def test_a_bad_push_is_refused(
    service: PushService, vapid: Vapid, spoil: Callable[[dict[str, Any]], object], status: int
) -> None:
    subscription = service.subscribe()
    push = good_push(service, vapid)
    spoil(push)

    response = send(subscription, push)

    assert response.status_code == status, response.text
    assert service.messages(subscription.id) == []
    assert service.tries(subscription.id) == 1


def test_a_restricted_subscription_takes_only_its_key(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe(application_server_key=vapid_key(vapid))
    webpush(subscription.info, "mine", vapid_private_key=vapid, vapid_claims={"sub": SUB})
    with pytest.raises(WebPushException) as caught:
        webpush(subscription.info, "not", vapid_private_key=other_key(), vapid_claims={"sub": SUB})
    assert caught.value.response.status_code == 403
    [received] = service.wait_for(subscription.id)
    assert subscription.decrypt(received.body) == b"mine"


def test_a_gone_subscription_answers_410(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    service.gone(subscription.id)
    with pytest.raises(WebPushException) as caught:
        webpush(subscription.info, "hello", vapid_private_key=vapid, vapid_claims={"sub": SUB})
    assert caught.value.response.status_code == 410
    assert service.messages(subscription.id) == []
    assert service.tries(subscription.id) == 1


def test_gone_can_answer_404(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    service.gone(subscription.id, status=404)
    with pytest.raises(WebPushException) as caught:
        webpush(subscription.info, "hello", vapid_private_key=vapid, vapid_claims={"sub": SUB})
    assert caught.value.response.status_code == 404


def test_an_unknown_subscription_answers_410(service: PushService) -> None:
    response = requests.post(f"{service.origin}/push/no-such-thing", headers={"TTL": "0"})
    assert response.status_code == 410


def test_fail_answers_as_told_then_accepts(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    service.fail(subscription.id, 500, times=2)
    for _ in range(2):
        with pytest.raises(WebPushException) as caught:
            webpush(subscription.info, "hello", vapid_private_key=vapid, vapid_claims={"sub": SUB})
        assert caught.value.response.status_code == 500
    assert service.messages(subscription.id) == []

    webpush(subscription.info, "hello", vapid_private_key=vapid, vapid_claims={"sub": SUB})

    [received] = service.wait_for(subscription.id)
    assert subscription.decrypt(received.body) == b"hello"
    assert service.tries(subscription.id) == 3


def test_fail_can_ask_to_retry_after(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    service.fail(subscription.id, 429, retry_after=30)
    with pytest.raises(WebPushException) as caught:
        webpush(subscription.info, "hello", vapid_private_key=vapid, vapid_claims={"sub": SUB})
    assert caught.value.status_code == 429
    assert caught.value.retry_after == "30"


def test_wait_for_gives_up(service: PushService) -> None:
    subscription = service.subscribe()
    with pytest.raises(AssertionError, match="0 of 1 push messages"):
        service.wait_for(subscription.id, timeout=0.1)


def test_pushes_from_many_threads(service: PushService, vapid: Vapid) -> None:
    subscription = service.subscribe()
    texts = [f"message {n}" for n in range(8)]
    threads = [
        threading.Thread(
            target=webpush,
            args=(subscription.info, text),
            kwargs={"vapid_private_key": vapid, "vapid_claims": {"sub": SUB}},
        )
        for text in texts
    ]
    for thread in threads:
        thread.start()
    received = service.wait_for(subscription.id, count=len(texts))
    for thread in threads:
        thread.join()
    assert sorted(subscription.decrypt(message.body).decode() for message in received) == texts
    assert len({message.location for message in received}) == len(texts)
    assert service.tries(subscription.id) == len(texts)


def test_it_stops() -> None:
    with PushService() as service:
        subscription = service.subscribe()
        origin = service.origin
    with pytest.raises(RuntimeError):
        service.origin
    with pytest.raises(requests.ConnectionError):
        requests.post(subscription.endpoint, headers={"TTL": "0"}, timeout=5)
    assert origin.startswith("http://127.0.0.1:")
