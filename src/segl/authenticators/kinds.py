"""Authenticator kinds as plugins with one contract.

Each kind says which steps a login with it takes, what each step adds to ``amr`` (RFC 8176), its
assurance level, and implements activate / verify / suspend / retire. The login flow only talks
to this contract, so a new kind (the app, the chip) plugs in without the flow changing. The
shared contract tests in ``tests/contracts/`` run against every registered kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from segl.core.assurance import Level
from segl.identities.models import Identity

from . import services
from .models import Authenticator, Device, Kind

CODE = "code"
PASSWORD = "password"
APP = "app"


class AuthenticatorKind(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def level(self) -> Level: ...

    @property
    def steps(self) -> tuple[str, ...]:
        """The login steps after the user ID, in order."""

    @property
    def step_amr(self) -> dict[str, tuple[str, ...]]:
        """What passing each step adds to ``amr`` (RFC 8176)."""

    def activate(self, *, identity: Identity, now: datetime, **proof: Any) -> Authenticator: ...

    def begin(self, *, flow: Any, now: datetime, ip: str = "") -> None:
        """The flow has entered this kind's first step (the app asks the phone here)."""

    def begin_decoy(self, *, flow: Any, now: datetime, ip: str = "") -> None:
        """The flow has entered this kind's first step for a user ID with no such authenticator
        (or none at all): prepare what ``begin`` would, so the page looks and behaves the same,
        with nothing anyone can answer (decision 17)."""

    def verify(
        self,
        *,
        authenticator: Authenticator,
        step: str,
        response: str,
        now: datetime,
        ip: str = "",
        context: dict[str, str] | None = None,
    ) -> None: ...

    def suspend(self, *, authenticator: Authenticator, now: datetime, reason: str) -> None: ...

    def retire(self, *, authenticator: Authenticator, now: datetime) -> None: ...


@dataclass(frozen=True)
class OtpDeviceKind:
    """Code display and audio code reader: a one-time code from the device, then the password."""

    kind: str
    level: Level = Level.SUBSTANTIAL
    steps: tuple[str, ...] = (CODE, PASSWORD)

    @property
    def step_amr(self) -> dict[str, tuple[str, ...]]:
        return {CODE: ("otp",), PASSWORD: ("pwd",)}

    def activate(self, *, identity: Identity, now: datetime, **proof: Any) -> Authenticator:
        auth = services.device_activate(
            identity=identity,
            serial=proof["serial"],
            code=proof["code"],
            password=proof.get("password"),
            now=now,
            actor=proof.get("actor", ""),
        )
        if auth.kind != self.kind:
            raise services.DeviceError("wrong_kind")
        return auth

    def begin(self, *, flow: Any, now: datetime, ip: str = "") -> None:
        """Nothing to prepare: the citizen presses the device's button."""

    def begin_decoy(self, *, flow: Any, now: datetime, ip: str = "") -> None:
        """Nothing to prepare either; the flow checks a decoy's codes (``flows.decoys``)."""

    def verify(
        self,
        *,
        authenticator: Authenticator,
        step: str,
        response: str,
        now: datetime,
        ip: str = "",
        context: dict[str, str] | None = None,
    ) -> None:
        if step != CODE or authenticator.device_id is None:
            raise ValueError(f"{self.kind} verifies only the code step")
        if authenticator.status != Authenticator.Status.ACTIVE:
            raise services.DeviceError(f"authenticator is {authenticator.status}")
        services.device_verify_code(
            device_id=authenticator.device_id,
            code=response,
            now=now,
            usable=(Device.Status.ACTIVE,),
            ip=ip,
            actor=authenticator.identity.user_id,
            context=context,
        )

    def suspend(self, *, authenticator: Authenticator, now: datetime, reason: str) -> None:
        services.authenticator_suspend(authenticator_id=authenticator.pk, now=now, reason=reason)

    def retire(self, *, authenticator: Authenticator, now: datetime) -> None:
        services.authenticator_retire(authenticator_id=authenticator.pk, now=now)


KINDS: dict[str, AuthenticatorKind] = {
    Kind.CODE_DISPLAY.value: OtpDeviceKind(kind=Kind.CODE_DISPLAY.value),
    Kind.AUDIO_CODE_READER.value: OtpDeviceKind(kind=Kind.AUDIO_CODE_READER.value),
}


def kind_of(name: str) -> AuthenticatorKind:
    return KINDS[name]
