"""The code display and the audio code reader as authenticator kinds: a one-time code from the
device (RFC 6238, or RFC 4226 for event tokens), then the identity's password."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from segl.authenticators import services
from segl.authenticators.contract import (
    PASSWORD,
    ActivationProof,
    AnswerForm,
    StepContext,
    cannot_be_used,
)
from segl.authenticators.models import Authenticator, Device, Kind
from segl.core.assurance import Level
from segl.core.errors import Disabled, InvalidCode, Locked, ReplayedCode, SeglError
from segl.identities.models import Identity

from . import texts
from .forms import CodeForm

CODE = "code"


@dataclass(frozen=True)
class DeviceProof(ActivationProof):
    """The serial on the back and a code the device shows (seed 001); the citizen's new
    password with the first device."""

    serial: str
    code: str
    password: str | None = None
    actor: str = ""
    ip: str = ""

    def __repr__(self) -> str:
        return f"DeviceProof(serial={self.serial!r})"


@dataclass(frozen=True)
class OtpDeviceKind:
    """A code display or an audio code reader: a one-time code, then the password."""

    kind: str
    level: Level = Level.SUBSTANTIAL
    steps: tuple[str, ...] = (CODE, PASSWORD)
    proof_type: type[ActivationProof] = DeviceProof

    @property
    def step_amr(self) -> Mapping[str, tuple[str, ...]]:
        return {CODE: ("otp",), PASSWORD: ("pwd",)}

    @property
    def url_prefix(self) -> str:
        return self.kind

    def urlpatterns(self) -> Sequence[URLPattern]:
        return ()  # the code is posted to the step page itself

    def activate(
        self, *, identity: Identity, proof: ActivationProof, now: datetime
    ) -> Authenticator:
        if not isinstance(proof, DeviceProof):
            raise TypeError(f"{self.kind} activates with a DeviceProof")
        device = Device.objects.filter(serial=proof.serial).only("kind").first()
        if device is not None and device.kind != self.kind:
            # Refused before the code is spent: the serial is another kind's device.
            raise services.DeviceError("wrong_kind")
        return services.device_activate(
            identity=identity,
            serial=proof.serial,
            code=proof.code,
            password=proof.password,
            now=now,
            actor=proof.actor,
            ip=proof.ip,
        )

    def begin(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        """Nothing to prepare: the citizen presses the device's button."""

    def begin_decoy(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        """Nothing to prepare either; the flow checks a decoy's codes (``flows.decoys``)."""

    def verify(
        self,
        *,
        authenticator: Authenticator,
        step: str,
        response: str,
        now: datetime,
        ip: str = "",
        flow_id: str = "",
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
            context={"flow": flow_id} if flow_id else None,
        )

    def on_suspend(self, *, authenticator: Authenticator, now: datetime) -> None:
        """The device's own status follows the authenticator's (``authenticators.services``)."""

    def on_retire(self, *, authenticator: Authenticator, now: datetime) -> None:
        """As on suspend."""

    def step_form(self, *, step: str, data: Mapping[str, str] | None = None) -> AnswerForm | None:
        return CodeForm(data) if step == CODE else None

    def render_step(
        self,
        *,
        request: HttpRequest,
        step: StepContext,
        page: Mapping[str, object],
        form: AnswerForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {**page, "form": form or CodeForm(), "code_hint": self.code_hint()}
        return render(request, "codedevice/step.html", context, status=status)

    def code_hint(self) -> str:
        return texts.code_hint(self.kind)

    def refusal(self, *, step: str, error: SeglError) -> str:
        # The code is the login's first proof, so these words must not depend on what the
        # identity has (decision 17): whoever typed the user ID would learn that it exists and
        # owns more than this. They say what to do with another method and without one.
        device = Kind(self.kind).label
        if isinstance(error, Locked):
            return _(
                "Your %(device)s is suspended because a wrong one-time code was entered 3 "
                "times in a row. You can try again at %(time)s. If you have another "
                "identification method, you can use it now: choose “Change identification "
                "method”. If you have no other, wait until %(time)s, or get help at a citizen "
                "service centre."
            ) % {"device": device, "time": time_format(timezone.localtime(error.until), "H:i")}
        if isinstance(error, Disabled):
            return _(
                "Your %(device)s is blocked after too many wrong one-time codes. If you have "
                "another identification method, choose “Change identification method”. If you "
                "have no other, order a new device on the self-service portal, or get help at a "
                "citizen service centre."
            ) % {"device": device}
        if isinstance(error, ReplayedCode):
            return _(
                "That one-time code has already been used. Press the button again to get "
                "a new code."
            )
        if isinstance(error, InvalidCode):
            return _(
                "The one-time code is not correct. Check it and try again, or press the "
                "button to get a new code."
            )
        if isinstance(error, services.DeviceError):
            return cannot_be_used(str(device))
        return _("That did not work. Try again.")
