"""A login or approval in progress, persisted so that any node can continue it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from segl.core import flows as core_flows
from segl.identities.models import Identity


class Action(models.TextChoices):
    """The action verbs an RP may ask the citizen to perform."""

    LOG_ON = "log_on", _("Log on")
    APPROVE = "approve", _("Approve")
    CONFIRM = "confirm", _("Confirm")
    ACCEPT = "accept", _("Accept")
    SIGN = "sign", _("Sign")


class Flow(models.Model):
    id = models.CharField(max_length=32, primary_key=True)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    authorize_uri = models.TextField()
    scopes = models.JSONField(default=list)
    credentials = models.JSONField(default=dict)
    approval_text = models.CharField(max_length=130, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.LOG_ON)
    requested_level = models.CharField(max_length=16, blank=True)
    login_hint = models.CharField(max_length=64, blank=True)
    browser_key_hash = models.CharField(max_length=64)

    step = models.CharField(max_length=16, default=core_flows.USER_ID)
    remaining = models.JSONField(default=list)
    method = models.CharField(max_length=32, blank=True)
    amr = models.JSONField(default=list)
    failure = models.CharField(max_length=32, blank=True)
    expires_at = models.DateTimeField()

    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    authenticator = models.ForeignKey(
        "authenticators.Authenticator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The authenticator whose step was passed; the citizen's history names it.",
    )
    decoy = models.BooleanField(
        default=False, help_text="The user ID is unknown; the flow acts as if it were not."
    )
    decoy_key = models.CharField(
        max_length=64,
        blank=True,
        help_text="The keyed hash of the user ID typed, under which decoy steps count.",
    )
    user_id_typed = models.CharField(
        max_length=64,
        blank=True,
        help_text="The user ID as typed: a password page names it alike for every user ID.",
    )

    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"flow {self.id} at {self.step}"

    @property
    def state(self) -> core_flows.FlowState:
        return core_flows.FlowState(
            step=self.step,
            expires_at=self.expires_at,
            method=self.method or None,
            remaining=tuple(self.remaining),
            amr=tuple(self.amr),
            failure=self.failure or None,
        )

    def apply(self, state: core_flows.FlowState) -> None:
        self.step = state.step
        self.expires_at = state.expires_at
        self.method = state.method or ""
        self.remaining = list(state.remaining)
        self.amr = list(state.amr)
        self.failure = state.failure or ""


class UnknownUserThrottle(models.Model):
    """Wrong codes given in a decoy step (an unknown user ID, or a kind the user ID has none of),
    counted per user ID and kind rather than per flow, so that a lock lasts into the next login
    exactly as a real device's does and a fresh login cannot tell the two apart. The app's decoy
    takes its row as a lock, as a real request takes the identity's (decision 17)."""

    key = models.CharField(
        max_length=64, primary_key=True, help_text="HMAC of the case-folded user ID; never the ID."
    )
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    failures_total = models.PositiveIntegerField(
        default=0, help_text="Wrong codes since the last success; a lock does not end it"
    )
    disabled_at = models.DateTimeField(null=True, blank=True, help_text="The limit was reached")
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"unknown user ID {self.key[:8]}"
