"""The app as an authenticator kind: one step, answered by the app itself (not the browser)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from segl.authenticators import services as authenticator_services
from segl.authenticators.kinds import APP
from segl.authenticators.models import Authenticator, Kind
from segl.core.assurance import Level
from segl.identities.models import Identity

from . import decoy, services


@dataclass(frozen=True)
class AppKind:
    """The segl app: the device key (possession) unlocked by PIN or biometrics, near the
    browser (QR code or one-time code)."""

    kind: str = Kind.APP.value
    level: Level = Level.SUBSTANTIAL
    steps: tuple[str, ...] = (APP,)

    @property
    def step_amr(self) -> dict[str, tuple[str, ...]]:
        return {APP: ("swk", "pin")}

    def activate(self, *, identity: Identity, now: datetime, **proof: Any) -> Authenticator:
        instance = services.activation_finish(now=now, **proof)
        if instance.authenticator.identity_id != identity.pk:
            raise services.AppRefused("activation_other_identity")
        return instance.authenticator

    def begin(self, *, flow: Any, now: datetime, ip: str = "") -> None:
        services.app_request_open(flow=flow, now=now, ip=ip)

    def begin_decoy(self, *, flow: Any, now: datetime, ip: str = "") -> None:
        decoy.decoy_request_open(flow=flow, now=now, ip=ip)

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
        # The browser never answers the app step; the app does, through the app API.
        raise services.AppRefused("answered_in_the_app")

    def suspend(self, *, authenticator: Authenticator, now: datetime, reason: str) -> None:
        authenticator_services.authenticator_suspend(
            authenticator_id=authenticator.pk, now=now, reason=reason
        )

    def retire(self, *, authenticator: Authenticator, now: datetime) -> None:
        authenticator_services.authenticator_retire(authenticator_id=authenticator.pk, now=now)
