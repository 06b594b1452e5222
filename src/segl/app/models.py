"""The segl app as an authenticator: its registrations, activations, requests and settings.

An :class:`AppInstance` is one user ID on one phone, with its own P-256 key (the server keeps
only the public half and its thumbprint) and its own PIN. A household's app holds several
(seed 003), each an instance. An :class:`AppRequest` is the app's part of one login flow.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from segl.authenticators.models import Authenticator
from segl.identities.models import Identity


class ApprovalMode(models.TextChoices):
    QR = "qr", _("QR codes")
    CODE = "code", _("One-time codes")


class AppInstance(models.Model):
    authenticator = models.OneToOneField(
        Authenticator, on_delete=models.PROTECT, related_name="app"
    )
    thumbprint = models.CharField(max_length=64, unique=True, help_text="RFC 7638, SHA-256")
    public_key = models.JSONField(help_text="The app's P-256 public key as a JWK")
    pin_hash = models.TextField()
    pin_failures = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(
        null=True, blank=True, help_text="5 wrong PINs in a row: locked until re-activated"
    )
    unlocked_until = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.CharField(max_length=16, blank=True, help_text="pin or biometrics")
    approval_mode = models.CharField(
        max_length=8, choices=ApprovalMode.choices, default=ApprovalMode.QR
    )
    notifications = models.BooleanField(default=False)
    biometric_credential = models.TextField(
        blank=True, help_text="WebAuthn platform credential (base64url) that unlocks by biometrics"
    )
    biometric_sign_count = models.PositiveBigIntegerField(default=0)
    webauthn_state = models.JSONField(
        null=True, blank=True, help_text="A WebAuthn ceremony in progress: purpose, state, expiry"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"app {self.thumbprint[:8]} of {self.authenticator.identity_id}"


class PushSubscription(models.Model):
    """Where the push service takes an app's notifications (Web Push, RFC 8030): the browser's
    subscription, as its PushSubscription.toJSON() gives it. The apps of one browser (a
    household's, seed 003) share it, each with a row of its own."""

    instance = models.OneToOneField(
        AppInstance, on_delete=models.CASCADE, related_name="push_subscription"
    )
    endpoint = models.URLField(max_length=1024)
    p256dh = models.CharField(max_length=100, help_text="The browser's P-256 key (RFC 8291)")
    auth = models.CharField(max_length=32, help_text="The browser's authentication secret")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"push subscription of {self.instance}"


class ActivationCode(models.Model):
    """A code that lets its identity start activating an app (issued by segl or an operator)."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"activation code for {self.identity_id}"


class AppActivation(models.Model):
    """An activation in progress: the temporary PIN was sent by SMS; the app answers it with
    its key and the PIN the citizen chose."""

    class Via(models.TextChoices):
        CODE = "code", _("activation code")
        COPY = "copy", _("copy from another app")
        PROOFING = "proofing", _("passport or ID card")

    id = models.CharField(max_length=43, primary_key=True)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=8, choices=Via.choices)
    level = models.CharField(max_length=16, default="substantial", help_text="The new app's")
    temporary_pin_hash = models.CharField(max_length=64)
    failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"app activation for {self.identity_id} ({self.via})"


class AppRequest(models.Model):
    """The app's part of a flow: the binding the browser shows, and the app's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the app")
        BOUND = "bound", _("Seen by the app")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.PENDING, Status.BOUND)

    id = models.CharField(max_length=32, primary_key=True)
    # The login's id as a plain value: the app sits below the flow and never joins its table.
    flow_id = models.CharField(max_length=32, db_index=True)
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Whose apps may answer; none for a decoy, which no app can see.",
    )
    decoy_key = models.CharField(
        max_length=64, blank=True, help_text="A decoy's keyed user ID and kind (decision 17)."
    )
    qr_secret = models.CharField(max_length=64, help_text="base64url; the browser's QR key")
    code = models.CharField(max_length=10, blank=True, help_text="The one-time code shown")
    device_token = models.CharField(
        max_length=43, blank=True, help_text="Binds the app on the same device (seed 004)"
    )
    code_failures = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=32, blank=True)
    instance = models.ForeignKey(
        AppInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=43, blank=True, help_text="The channel proof")
    text_sha256 = models.CharField(max_length=64)
    signature = models.TextField(blank=True, help_text="The app's signed answer (JWS)")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["identity", "created_at"]),
            models.Index(fields=["decoy_key", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"app request {self.id} ({self.status})"


class CopyOffer(models.Model):
    """Activate on another phone: the old app (or the phone that just proofed the citizen)
    shows a QR code (3 minutes); the new app scans it and shows a short code, which the citizen
    types into the old phone (the proximity check); then the new app gives the user ID and
    finishes as any activation, by SMS."""

    class State(models.TextChoices):
        OFFERED = "offered", _("QR code shown")
        SCANNED = "scanned", _("Scanned by the new app")
        CONFIRMED = "confirmed", _("Confirmed on the old app")
        COMPLETED = "completed", _("New app activated")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.CharField(max_length=32, primary_key=True)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    # The app that shows the QR code; none when a proofing phone shows it (seed 002, step 5).
    instance = models.ForeignKey(
        AppInstance, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    level = models.CharField(max_length=16, default="substantial", help_text="The new app's")
    state = models.CharField(max_length=16, choices=State.choices, default=State.OFFERED)
    proximity_code = models.CharField(max_length=8, blank=True)
    code_failures = models.PositiveSmallIntegerField(default=0)
    new_thumbprint = models.CharField(max_length=64, blank=True)
    activation = models.ForeignKey(
        AppActivation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"copy offer {self.id} ({self.state})"


class DpopJti(models.Model):
    """DPoP proof ids seen lately: each proof is accepted once (RFC 9449 §11.1)."""

    jti_hash = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"DPoP jti {self.jti_hash[:8]}"
