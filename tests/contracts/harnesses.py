"""How the contract suite plays the citizen for each kind: the harnesses.

A harness does what the citizen does with the real services and APIs, never by setting state by
hand: it gets the kind's authenticator issued to someone (a device sent to them, an activation
code given to them), activates it, makes a proof of possession for a new login and presents it,
and gets the secret wrong. The suite (``test_kinds.py``) holds every kind to the same rules
through these five operations; a kind that is registered without a harness here fails it.
"""

from __future__ import annotations

import functools
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.test import Client

from segl.authenticators.models import Authenticator
from segl.authenticators.registry import KINDS
from segl.codedevice.kind import DeviceProof
from segl.core.errors import SeglError
from tests.app.conftest import temporary_pin
from tests.conftest import PASSWORD, Token, make_device
from tests.portal.conftest import send

BROWSER = "contract-browser"


class Refused(Exception):
    """The kind refused an activation or a proof; ``reason`` is what it said."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Harness(Protocol):
    @property
    def limit(self) -> int:
        """Wrong proofs in a row after which the kind locks, as its own policy says."""

    def issue(self, holder: Any, now: datetime) -> Any:
        """Give ``holder`` (an identity) what activates one: a device sent to them, a code."""

    def activate(self, identity: Any, issued: Any, now: datetime) -> Authenticator:
        """``identity`` activates with ``issued`` as the citizen would; raises :class:`Refused`."""

    def proof(self, auth: Authenticator, now: datetime) -> Any:
        """Start a new login and make the proof of possession for it, up to presenting it;
        raises :class:`Refused` if the kind refuses on the way."""

    def present(self, proof: Any, now: datetime) -> None:
        """Present ``proof``; returns once the login has passed the kind's step, else raises
        :class:`Refused`."""

    def wrong(self, auth: Authenticator, now: datetime) -> None:
        """Get the secret wrong once (the code, the PIN); always raises :class:`Refused`."""


def application() -> Any:
    from segl.oidc.models import Application
    from segl.oidc.services import rp_add

    found = Application.objects.filter(name="Contract RP").first()
    return found or rp_add(name="Contract RP", redirect_uris=["https://rp.example/cb"])[0]


def login_at(method: str, user_id: str, now: datetime) -> Any:
    """A new login, as an RP starts it and the browser goes on: the user ID, then "Change
    identification method" to ``method`` unless it is the one shown first."""
    from segl.flows.services import flow_change_method, flow_start, flow_submit_user_id

    flow = flow_start(
        application=application(),
        authorize_uri="/o/authorize/",
        scopes=["openid"],
        credentials={},
        approval_text="",
        action="log_on",
        requested_level=None,
        login_hint="",
        browser_key=BROWSER,
        now=now,
    )
    flow = flow_submit_user_id(flow_id=flow.id, browser_key=BROWSER, user_id=user_id, now=now)
    if flow.method != method:
        flow = flow_change_method(flow_id=flow.id, browser_key=BROWSER, method=method, now=now)
    assert (flow.method, flow.step) == (method, KINDS[method].steps[0])
    return flow


# -- code display, audio code reader ----------------------------------------------------------


@dataclass
class DeviceHarness:
    """A device from the inventory, ordered by its holder and sent to them; its codes made from
    the seed the test imported, as the device would show them."""

    kind: str
    tokens: dict[int, Token] = field(default_factory=dict)

    @property
    def limit(self) -> int:
        from segl.authenticators.codes import code_policy

        return code_policy().max_failures

    def issue(self, holder: Any, now: datetime) -> Token:
        token = make_device(self.kind)
        send(holder.person, self.kind, token.serial, steps=("packed",), now=now)
        return token

    def activate(self, identity: Any, issued: Token, now: datetime) -> Authenticator:
        try:
            auth = KINDS[self.kind].activate(
                identity=identity,
                proof=DeviceProof(serial=issued.serial, code=issued.code(now)),
                now=now,
            )
        except SeglError as exc:
            raise Refused(getattr(exc, "reason", exc.code)) from exc
        self.tokens[auth.pk] = issued
        return auth

    def proof(self, auth: Authenticator, now: datetime) -> tuple[str, str]:
        return auth.identity.user_id, self.tokens[auth.pk].code(now)

    def present(self, proof: tuple[str, str], now: datetime) -> None:
        from segl.flows.services import flow_submit_step

        user_id, code = proof
        flow = login_at(self.kind, user_id, now)
        try:
            flow = flow_submit_step(
                flow_id=flow.id, browser_key=BROWSER, step="code", response=code, now=now
            )
        except SeglError as exc:
            raise Refused(exc.code) from exc
        assert flow.step == "password", flow.step

    def wrong(self, auth: Authenticator, now: datetime) -> None:
        token = self.tokens[auth.pk]
        # Not the code of any step the verifier looks at (it accepts one step either side).
        near = {token.code(now + timedelta(seconds=s)) for s in (-30, 0, 30)}
        wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in near)
        self.present((auth.identity.user_id, wrong), now)
        raise AssertionError("a wrong code passed")


# -- the segl app --------------------------------------------------------------------------------


@dataclass
class AppHarness:
    """The app emulator (product code, the real wire format) through the test client: it
    activates with the code and the temporary PIN from the SMS, unlocks with the PIN it chose,
    binds to a login by its QR code and signs its approval."""

    pin: str = "2580"
    wrong_pin: str = "1397"
    app: Any = None

    def __post_init__(self) -> None:
        from segl.app.emulator import AppEmulator, DjangoClientTransport

        self.app = AppEmulator(settings.CONFIG.base_url, transport=DjangoClientTransport(Client()))

    @property
    def limit(self) -> int:
        from segl.app import services

        return services.policy().pin_max_failures

    def _call(self, call: Callable[[], Any]) -> Any:
        from segl.app.emulator import AppError

        try:
            return call()
        except AppError as exc:
            raise Refused(exc.reason) from exc

    def issue(self, holder: Any, now: datetime) -> str:
        from segl.app.services import activation_code_issue

        return activation_code_issue(identity=holder, now=now, issued_by="contract")

    def activate(self, identity: Any, issued: str, now: datetime) -> Authenticator:
        activation = self._call(lambda: self.app.start_activation(identity.user_id, issued))
        answer = self._call(
            lambda: self.app.finish_activation(
                activation,
                user_id=identity.user_id,
                temporary_pin=temporary_pin(identity.person.phone),
                pin=self.pin,
            )
        )
        assert answer["user_id"] == identity.user_id
        return Authenticator.objects.filter(identity=identity, kind="app").latest("pk")

    def proof(self, auth: Authenticator, now: datetime) -> tuple[str, str, str, str]:
        from segl.app.services import app_request_current, qr_text

        user_id = auth.identity.user_id
        flow = login_at("app", user_id, now)
        self._call(lambda: self.app.unlock(user_id, self.pin))
        pending = self._call(lambda: self.app.pending(user_id))
        if pending is None:
            raise Refused("nothing_pending")
        request = app_request_current(flow.id)
        assert request is not None and pending["id"] == request.id
        shown = self._call(lambda: self.app.bind(user_id, request.id, qr=qr_text(request, now)))
        return user_id, flow.id, request.id, self.app.sign(user_id, shown, "approve")

    def present(self, proof: tuple[str, str, str, str], now: datetime) -> None:
        from segl.flows.models import Flow

        user_id, flow_id, request_id, signed = proof
        key = self.app.registration(user_id).key
        answer = self._call(
            lambda: self.app.call(
                "POST", f"requests/{request_id}/answer", {"approval": signed}, key=key
            )
        )
        assert answer["status"] == "approved"
        assert Flow.objects.get(pk=flow_id).step == "done"

    def wrong(self, auth: Authenticator, now: datetime) -> None:
        # The PIN unlocks the app before it answers anything: no login is needed to get it wrong.
        user_id = auth.identity.user_id
        self._call(lambda: self.app.unlock(user_id, self.wrong_pin))
        raise AssertionError("a wrong PIN unlocked the app")


# -- the chip ---------------------------------------------------------------------------------


@functools.cache
def chip_factory() -> Any:
    """The factory the contract's chips come from (its root is in the allow-list the
    contract's conftest writes)."""
    from segl.emulators.fido_chip import FactoryCa

    return FactoryCa.create()


@functools.cache
def chip_batch() -> Any:
    return chip_factory().batch(CHIP_AAGUID.bytes)


CHIP_AAGUID = uuid.UUID("5e91a7c0-2f4b-4c55-9b0e-51e6c0a1c0de")


@dataclass
class ChipHarness:
    """An emulated chip from the factory (a software FIDO2 authenticator), ordered by its
    holder and sent to them; activated with the password, used after it."""

    chips: dict[int, Any] = field(default_factory=dict)

    @property
    def limit(self) -> int:
        from segl.identities.services import password_policy

        return password_policy().max_failures  # the password it asks first

    def issue(self, holder: Any, now: datetime) -> Any:
        from segl.chip.inventory import chips_import

        chip = chip_batch().chip(next(_chip_serials), pin=True)
        chips_import(serials_=[chip.serial], aaguid=str(CHIP_AAGUID), batch="contract")
        send(holder.person, "chip", chip.serial, steps=("packed",), now=now)
        return chip

    def activate(self, identity: Any, issued: Any, now: datetime) -> Authenticator:
        from segl.chip.kind import ChipProof
        from segl.chip.services import registration_begin

        try:
            options, challenge = registration_begin(
                identity=identity, serial=issued.serial, now=now, password=PASSWORD
            )
            answer = issued.make_credential(options, settings.CONFIG.base_url)
            auth = KINDS["chip"].activate(
                identity=identity,
                proof=ChipProof(challenge_id=challenge, response=answer),
                now=now,
            )
        except SeglError as exc:
            raise Refused(getattr(exc, "reason", exc.code)) from exc
        self.chips[auth.pk] = issued
        return auth

    def _at_chip_step(self, user_id: str, password: str, now: datetime) -> Any:
        from segl.flows.services import flow_submit_step

        flow = login_at("chip", user_id, now)
        try:
            return flow_submit_step(
                flow_id=flow.id, browser_key=BROWSER, step="password", response=password, now=now
            )
        except SeglError as exc:
            raise Refused(exc.code) from exc

    def proof(self, auth: Authenticator, now: datetime) -> tuple[str, str]:
        from segl.chip.services import assertion_begin

        flow = self._at_chip_step(auth.identity.user_id, PASSWORD, now)
        try:
            options, challenge = assertion_begin(identity=auth.identity, flow_id=flow.id, now=now)
        except SeglError as exc:
            raise Refused(getattr(exc, "reason", exc.code)) from exc
        signed = self.chips[auth.pk].get_assertion(options, settings.CONFIG.base_url)
        return flow.id, json.dumps({"challenge": challenge, "credential": signed})

    def present(self, proof: tuple[str, str], now: datetime) -> None:
        from segl.flows.models import Flow
        from segl.flows.services import flow_submit_step

        flow_id, answer = proof
        flow = Flow.objects.select_related("identity").get(pk=flow_id)
        if flow.step != "chip":  # presented before: in a new login, as a replay would be
            assert flow.identity is not None
            flow = self._at_chip_step(flow.identity.user_id, PASSWORD, now)
        try:
            flow = flow_submit_step(
                flow_id=flow.id, browser_key=BROWSER, step="chip", response=answer, now=now
            )
        except SeglError as exc:
            raise Refused(getattr(exc, "reason", exc.code)) from exc
        assert flow.step == "done", flow.step

    def wrong(self, auth: Authenticator, now: datetime) -> None:
        self._at_chip_step(auth.identity.user_id, "not " + PASSWORD, now)
        raise AssertionError("a wrong password passed")


_chip_serials = (f"CH{n:09d}{n % 10}" for n in itertools.count(7_000_000))

HARNESSES: dict[str, Callable[[], Harness]] = {
    "code_display": lambda: DeviceHarness("code_display"),
    "audio_code_reader": lambda: DeviceHarness("audio_code_reader"),
    "app": AppHarness,
    "chip": ChipHarness,
}
