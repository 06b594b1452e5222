"""Shared fixtures: a registered RP, identities with devices, and a client that logs in."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db.utils import ConnectionHandler
from django.test import Client
from django.test.testcases import LiveServerThread
from jwcrypto import jwk, jwt

from segl import clock as segl_clock
from segl.config import Config
from segl.core import otp
from segl.core.pskc import TokenSeed
from segl.core.secrets import Secret
from tests.numbering import serials as _serials  # one counter for both copies of this module

# Staff at the citizen service centres and a newcomer: fixtures for the desk's tests anywhere.
pytest_plugins = ["tests.staff"]


class ReusableAddressServer(ThreadedWSGIServer):
    """The live server on its fixed port (``SEGL_TEST_PORT``, tests/settings.py), SO_REUSEADDR.

    Django binds its live server without SO_REUSEADDR, which suits a random port; on a fixed
    one, the connections the last run closed stay in TIME_WAIT for a minute and a second run
    could not bind. SO_REUSEADDR still refuses a port another server is listening on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_reuse_address"] = True
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = ReusableAddressServer


@pytest.fixture(autouse=True)
def _segl_time() -> Any:
    """Every test starts on the machine's time; a test that moved segl's clock leaves it."""
    segl_clock.reset()
    yield
    segl_clock.reset()


class Clock:
    """segl's one clock (``segl.clock``), stopped for the test and moved by it."""

    def __call__(self) -> datetime:
        return segl_clock.now()

    def advance(self, delta: timedelta) -> None:
        segl_clock.move(delta)


@pytest.fixture
def clock() -> Clock:
    segl_clock.freeze()
    return Clock()


class Configure:
    """Calling it swaps in a changed copy of the configuration (``settings.CONFIG``) for the
    rest of the test; the loaded one comes back afterwards. Never mutate it in place."""

    def __call__(self, **changes: Any) -> Config:
        from django.conf import settings

        settings.CONFIG = dataclasses.replace(settings.CONFIG, **changes)
        _forget_derived()
        return settings.CONFIG


def _forget_derived() -> None:
    """What a process builds once from the configuration is built again from the new one."""
    from segl.keys import keyring

    keyring.cache_clear()


@pytest.fixture
def config() -> Any:
    from django.conf import settings

    loaded = settings.CONFIG
    yield Configure()
    settings.CONFIG = loaded
    _forget_derived()


BASE_URL = os.environ["SEGL_BASE_URL"]
ISSUER = BASE_URL + "/o"
REDIRECT_URI = "https://rp.example/callback"
PASSWORD = "a long and private passphrase"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Rp:
    client_id: str
    client_secret: str
    redirect_uri: str = REDIRECT_URI

    def authorize_params(self, **extra: str) -> tuple[dict[str, str], str]:
        verifier = secrets.token_urlsafe(48)
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
        params.update(extra)
        return {k: v for k, v in params.items() if v is not None}, verifier


def wrong_codes(secret: bytes, now: datetime, count: int = 1) -> list[str]:
    """``count`` well-formed codes that are wrong for the previous, current and next time step
    at ``now``: the verifier accepts one step either side (RFC 6238 §5.2). One step more each
    side, in case the clock passes a step boundary before the code is checked."""
    near = {otp.totp_code(secret, now + timedelta(seconds=30 * k)) for k in range(-2, 3)}
    found = [code for code in (digit * 6 for digit in "0123456789") if code not in near]
    return found[:count]


@dataclass
class Token:
    """A device whose seed the test knows, so it can make codes as the device would."""

    serial: str
    secret: bytes
    step_offset: int = 0
    used: set[int] = field(default_factory=set)

    def code(self, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        return otp.totp_code(self.secret, now + timedelta(seconds=30 * self.step_offset))

    def wrong_codes(self, count: int = 1, now: datetime | None = None) -> list[str]:
        """Codes the verifier refuses at ``now`` (segl's clock): see ``wrong_codes``."""
        return wrong_codes(self.secret, now or segl_clock.now(), count)

    def wrong_code(self, now: datetime | None = None) -> str:
        return self.wrong_codes(1, now)[0]


@dataclass
class Person:
    user_id: str
    identity: Any
    token: Token


@pytest.fixture
def rp(db: Any) -> Rp:
    from segl.oidc.services import rp_add

    app, secret = rp_add(name="Test Bank", redirect_uris=[REDIRECT_URI])
    assert secret is not None
    return Rp(client_id=app.client_id, client_secret=secret)


def make_device(kind: str = "code_display") -> Token:
    from segl.authenticators.services import device_import

    n = next(_serials)
    serial = ("CD" if kind == "code_display" else "AR") + f"{n:010d}"
    secret = secrets.token_bytes(20)
    seed = TokenSeed(
        serial=serial,
        algorithm="totp",
        secret=Secret(secret),
        digits=6,
        hash_algorithm="SHA1",
        period=30,
        t0=0,
        counter=0,
        manufacturer="test",
        model=kind,
    )
    device_import(seeds=[seed], kind_of=lambda s: kind, batch="test")
    return Token(serial=serial, secret=secret)


def make_hotp_device(serial: str, secret: bytes) -> Any:
    """An event-based (HOTP, RFC 4226) code display in stock, as a vendor's PSKC file has it."""
    from segl.authenticators.models import Device
    from segl.authenticators.services import device_import

    seed = TokenSeed(
        serial=serial,
        algorithm="hotp",
        secret=Secret(secret),
        digits=6,
        hash_algorithm="SHA1",
        period=None,
        t0=0,
        counter=0,
        manufacturer="t",
        model="code_display",
    )
    device_import(seeds=[seed], kind_of=lambda s: "code_display", batch="hotp")
    return Device.objects.get(serial=serial)


def make_person(
    user_id: str, *, kinds: tuple[str, ...] = ("code_display",), ial: str = "substantial"
) -> Person:
    from segl.authenticators.services import device_activate
    from segl.identities.services import identity_create, person_create

    n = next(_serials)
    # Day 01-28 of January 1990 (serial digit 0-3: the 1900s), a fresh serial each time.
    person = person_create(
        cpr=f"{(n % 28) + 1:02d}0190{n % 4000:04d}",
        given_name="Test",
        family_name=f"Person {n}",
        address=f"Testvej {n}, 2000 Frederiksberg",
        phone=f"+4520{n % 1000000:06d}",
    )
    identity = identity_create(person=person, user_id=user_id, ial=ial, now=datetime.now(UTC))
    token = None
    for kind in kinds:
        t = make_device(kind)
        past = datetime.now(UTC) - timedelta(minutes=2)
        device_activate(
            identity=identity, serial=t.serial, code=t.code(past), now=past, password=PASSWORD
        )
        token = token or t
    identity.refresh_from_db()
    return Person(user_id=user_id, identity=identity, token=token)  # type: ignore[arg-type]


@pytest.fixture
def anna(db: Any) -> Person:
    return make_person("anna-1234")


@pytest.fixture
def eva(db: Any) -> Person:
    person = make_person("eva-holm")
    p = person.identity.person
    p.passport_numbers, p.address, p.email = (
        ["206123456"],
        "Algade 1, 9000 Aalborg",
        "eva@example.dk",
    )
    p.save()
    return person


class LoginDriver:
    """Drives a whole login through segl's pages with Django's test client."""

    def __init__(self, client: Client, rp: Rp) -> None:
        self.client = client
        self.rp = rp

    def start(self, **extra: str) -> tuple[str, dict[str, str], str]:
        params, verifier = self.rp.authorize_params(**extra)
        response = self.client.get("/o/authorize/?" + urlencode(params))
        assert response.status_code == 302, response.content[:500]
        location = response["Location"]
        assert location.startswith("/login/"), location
        return location, params, verifier

    def post(self, url: str, data: dict[str, str]) -> Any:
        return self.client.post(url, data)

    def user_id(self, url: str, user_id: str) -> Any:
        return self.post(url, {"step": "user_id", "user_id": user_id})

    def code(self, url: str, code: str) -> Any:
        return self.post(url, {"step": "code", "code": code})

    def password(self, url: str, password: str = PASSWORD) -> Any:
        return self.post(url, {"step": "password", "password": password})

    def finish(self, url: str) -> dict[str, list[str]]:
        flow_id = url.rstrip("/").split("/")[-1]
        response = self.client.get(f"/o/finish/{flow_id}/")
        assert response.status_code == 302, response.content[:500]
        location = response["Location"]
        assert location.startswith(self.rp.redirect_uri), location
        return parse_qs(urlsplit(location).query)

    def login(
        self, person: Person, **extra: str
    ) -> tuple[dict[str, list[str]], dict[str, str], str]:
        url, params, verifier = self.start(**extra)
        assert self.user_id(url, person.user_id).status_code == 302
        response = self.code(url, person.token.code())
        assert response.status_code == 302, response.content.decode()[:2000]
        assert self.password(url).status_code == 302
        return self.finish(url), params, verifier

    def token(self, code: str, verifier: str, **extra: str) -> Any:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.rp.redirect_uri,
            "code_verifier": verifier,
            **extra,
        }
        basic = base64.b64encode(f"{self.rp.client_id}:{self.rp.client_secret}".encode()).decode()
        return self.client.post("/o/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")

    def verified_claims(self, id_token: str) -> dict[str, Any]:
        keys = jwk.JWKSet.from_json(self.client.get("/o/.well-known/jwks.json").content)
        token = jwt.JWT(
            jwt=id_token,
            key=keys,
            algs=["RS256"],
            check_claims={"iss": ISSUER, "aud": self.rp.client_id, "exp": None},
        )
        claims: dict[str, Any] = json.loads(token.claims)
        return claims


@pytest.fixture
def client() -> Client:
    """Django's test client, reading pages in English unless a test switches to Danish."""
    english = Client()
    english.cookies["django_language"] = "en"
    return english


@pytest.fixture
def driver(client: Client, rp: Rp) -> LoginDriver:
    return LoginDriver(client, rp)


@pytest.fixture
def sqlite(django_db_blocker):
    """Open SQLite databases of one's own through segl's backend (not the test database); the
    connections it keeps between requests are closed afterwards."""
    from segl.sqlite.base import close_idle

    handlers: list[ConnectionHandler] = []

    def open_(path: Path) -> ConnectionHandler:
        handler = ConnectionHandler(
            {
                "default": {
                    "ENGINE": "segl.sqlite",
                    "NAME": str(path),
                    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;"},
                }
            }
        )
        handlers.append(handler)
        return handler

    with django_db_blocker.unblock():
        yield open_
        for handler in handlers:
            handler.close_all()
    close_idle()


def log_in_at_segl(client: Client, login: str, person: Any) -> SplitResult:
    """At segl's login page an RP sent the browser to: the user ID, a code from the person's
    code display, the password; then finish. Where segl sends the browser back to the RP."""
    flow_id = login.rstrip("/").split("/")[-1]
    client.post(login, {"step": "user_id", "user_id": person.user_id})
    client.post(login, {"step": "code", "code": person.token.code()})
    client.post(login, {"step": "password", "password": PASSWORD})
    return urlsplit(client.get(f"/o/finish/{flow_id}/")["Location"])
