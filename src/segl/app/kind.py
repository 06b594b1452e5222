"""The app as an authenticator kind: one step, answered by the app itself (not the browser)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path

from segl.authenticators.contract import ActivationProof, AnswerForm, StepContext
from segl.authenticators.models import Authenticator, Kind
from segl.core.assurance import Level
from segl.core.dpop import DpopProof
from segl.core.errors import SeglError
from segl.identities.models import Identity

from . import browser, decoy, services
from .browser import APP
from .models import AppActivation, AppInstance, AppRequest, PushSubscription


@dataclass(frozen=True)
class AppProof(ActivationProof):
    """The activation started by the letter or SMS, its temporary PIN, the new PIN, and the
    app's key (the DPoP proof of the finishing request)."""

    activation_id: str
    temporary_pin: str
    pin: str
    proof: DpopProof
    name: str = ""
    notifications: bool = False
    ip: str = ""

    def __repr__(self) -> str:
        return f"AppProof(activation_id={self.activation_id[:6]!r}…)"


@dataclass(frozen=True)
class AppKind:
    """The segl app: the device key (possession) unlocked by PIN or biometrics, near the
    browser (QR code or one-time code)."""

    kind: str = Kind.APP.value
    # The highest an app reaches: one activated after a proofing at High (its Authenticator's
    # level says what each app reaches).
    level: Level = Level.HIGH
    steps: tuple[str, ...] = (APP,)
    proof_type: type[ActivationProof] = AppProof
    url_prefix: str = "app"

    @property
    def step_amr(self) -> Mapping[str, tuple[str, ...]]:
        # What the flow is told on approval: "user" instead of "pin" after biometrics.
        return {APP: ("swk", "pin")}

    def urlpatterns(self) -> Sequence[URLPattern]:
        return (
            path("qr.svg", browser.qr, name="app-qr"),
            path("status", browser.status, name="app-status"),
        )

    def activate(
        self, *, identity: Identity, proof: ActivationProof, now: datetime
    ) -> Authenticator:
        if not isinstance(proof, AppProof):
            raise TypeError("the app activates with an AppProof")
        # Refused before anything is spent: the activation must be this identity's.
        if not AppActivation.objects.filter(
            pk=str(proof.activation_id)[:43], identity_id=identity.pk
        ).exists():
            raise services.AppRefused("activation_other_identity")
        instance = services.activation_finish(
            activation_id=proof.activation_id,
            temporary_pin=proof.temporary_pin,
            pin=proof.pin,
            proof=proof.proof,
            name=proof.name,
            notifications=proof.notifications,
            now=now,
            ip=proof.ip,
        )
        return instance.authenticator

    def begin(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        if services.app_request_open(step=step, now=now, ip=ip) is None and decoy.paused(step, now):
            # "I did not start this" paused the identity's apps: the step is a decoy's.
            decoy.decoy_request_open(step=step, now=now, ip=ip)

    def begin_decoy(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        decoy.decoy_request_open(step=step, now=now, ip=ip)

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
        """The app answers in the app, never in the browser: ``response`` is the id of the
        request the app approved, and it must be this flow's, approved by an app of this
        authenticator."""
        if step != APP:
            raise ValueError("the app verifies only the app step")
        if authenticator.status != Authenticator.Status.ACTIVE:
            raise services.AppRefused("app_inactive")
        approved = AppRequest.objects.filter(
            pk=response[:32],
            flow_id=flow_id,
            status=AppRequest.Status.APPROVED,
            instance__authenticator_id=authenticator.pk,
        )
        if not flow_id or not approved.exists():
            raise services.AppRefused("answered_in_the_app")

    def on_suspend(self, *, authenticator: Authenticator, now: datetime) -> None:
        # An unlocked app must not approve anything while its authenticator is suspended,
        # nor right after it is reinstated without a fresh PIN.
        AppInstance.objects.filter(authenticator_id=authenticator.pk).update(unlocked_until=None)

    def on_retire(self, *, authenticator: Authenticator, now: datetime) -> None:
        AppInstance.objects.filter(authenticator_id=authenticator.pk).update(
            unlocked_until=None, notifications=False
        )
        # A retired app is told of nothing more (the app unsubscribes its browser, too).
        PushSubscription.objects.filter(instance__authenticator_id=authenticator.pk).delete()

    def step_form(self, *, step: str, data: Mapping[str, str] | None = None) -> AnswerForm | None:
        return None  # the browser never answers the app step

    def render_step(
        self,
        *,
        request: HttpRequest,
        step: StepContext,
        page: Mapping[str, object],
        form: AnswerForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        return browser.render_step(request, step, page)

    def refusal(self, *, step: str, error: SeglError) -> str:
        raise ValueError("the browser never answers the app step")
