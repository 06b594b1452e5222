"""The chip as an authenticator kind: the password first, then the chip (MitID's order: user ID,
password, "Start", connect the chip, press its button), a WebAuthn assertion (decision 37)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from segl.authenticators.contract import (
    PASSWORD,
    ActivationProof,
    AnswerForm,
    StepContext,
    cannot_be_used,
)
from segl.authenticators.models import Authenticator, Kind
from segl.core.assurance import Level
from segl.core.errors import SeglError
from segl.identities.models import Identity

from . import browser, services, texts
from .browser import CHIP
from .errors import ChipRefused

# A WebAuthn answer is a few hundred bytes; an attestation with its certificates a few KB.
MAX_ANSWER = 16_000


@dataclass(frozen=True)
class ChipProof(ActivationProof):
    """The chip's answer to a registration begun for this identity and the serial on its back
    (``services.registration_begin``), as the page sent it."""

    challenge_id: str
    response: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"ChipProof(challenge_id={self.challenge_id[:6]!r}…)"


class ChipAnswerForm(AnswerForm):
    """What the step page posts once the chip has answered: the challenge and the assertion, as
    JSON (the page's script fills it in)."""

    field = "reply"

    reply = forms.CharField(max_length=MAX_ANSWER, widget=forms.HiddenInput)

    def clean_reply(self) -> str:
        answer = str(self.cleaned_data["reply"])
        try:
            parse_answer(answer)
        except ChipRefused:
            raise forms.ValidationError(_("The chip's answer could not be read.")) from None
        return answer


def parse_answer(response: str) -> tuple[str, dict[str, Any]]:
    """The challenge's id and the chip's credential from the step's answer."""
    try:
        answer = json.loads(response)
        challenge, credential = answer["challenge"], answer["credential"]
    except (ValueError, TypeError, KeyError, RecursionError):  # nested past any use: malformed
        raise ChipRefused("invalid") from None
    if not isinstance(challenge, str) or not isinstance(credential, dict):
        raise ChipRefused("invalid")
    return challenge, credential


@dataclass(frozen=True)
class ChipKind:
    """A FIDO2 security key from an accepted model, with the identity's password."""

    kind: str = Kind.CHIP.value
    # The highest a chip reaches: one bound to an identity proofed at High (its Authenticator's
    # level says what each chip reaches).
    level: Level = Level.HIGH
    steps: tuple[str, ...] = (PASSWORD, CHIP)
    proof_type: type[ActivationProof] = ChipProof
    url_prefix: str = "chip"

    @property
    def step_amr(self) -> Mapping[str, tuple[str, ...]]:
        # RFC 8176: "hwk" proof of possession of a hardware-secured key; "pwd" the password.
        return {PASSWORD: ("pwd",), CHIP: ("hwk",)}

    def urlpatterns(self) -> Sequence[URLPattern]:
        return (path("options", browser.options, name="chip-options"),)

    def activate(
        self, *, identity: Identity, proof: ActivationProof, now: datetime
    ) -> Authenticator:
        if not isinstance(proof, ChipProof):
            raise TypeError("the chip activates with a ChipProof")
        return services.registration_finish(
            challenge_id=proof.challenge_id,
            identity=identity,
            response=proof.response,
            now=now,
        )

    def begin(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        """Nothing to prepare: the password comes first, and the chip's challenge is made when
        the citizen presses "Start"."""

    def begin_decoy(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        """The same: a decoy's password is checked by the flow (``flows.decoys``)."""

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
        if step != CHIP:
            raise ValueError("the chip verifies only the chip step")
        challenge_id, credential = parse_answer(response)
        signed_by = services.assertion_finish(
            challenge_id=challenge_id, response=credential, now=now, flow_id=flow_id
        )
        if signed_by.pk != authenticator.pk:
            raise ChipRefused("not_active")

    def on_suspend(self, *, authenticator: Authenticator, now: datetime) -> None:
        """Nothing kept outside the credential, which is refused while not active."""

    def on_retire(self, *, authenticator: Authenticator, now: datetime) -> None:
        """As on suspend."""

    def step_form(self, *, step: str, data: Mapping[str, str] | None = None) -> AnswerForm | None:
        return ChipAnswerForm(data) if step == CHIP else None

    def render_step(
        self,
        *,
        request: HttpRequest,
        step: StepContext,
        page: Mapping[str, object],
        form: AnswerForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        context = {
            **page,
            "form": form or ChipAnswerForm(),
            # The password was proven: the page may say that this user ID has no chip.
            "has_chip": step.authenticator_id is not None,
            "no_chip": cannot_be_used(str(Kind.CHIP.label)),
            "options_url": reverse("flows:chip-options", kwargs={"flow_id": step.flow_id}),
        }
        return render(request, "chip/step.html", context, status=status)

    def refusal(self, *, step: str, error: SeglError) -> str:
        return texts.login_refusal(error)
