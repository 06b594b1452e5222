"""A chip's WebAuthn credential, and the single-use challenges of its ceremonies.

The chip itself is a :class:`~segl.authenticators.models.Device` of kind ``chip`` in the
inventory (no seed); once registered, its :class:`ChipCredential` hangs off its
:class:`~segl.authenticators.models.Authenticator`.
"""

from __future__ import annotations

from django.db import models

from segl.authenticators.models import Authenticator
from segl.identities.models import Identity


class ChipCredential(models.Model):
    """The public half of the key a chip made for segl (WebAuthn L2 §6.1 "credential record")."""

    authenticator = models.OneToOneField(
        Authenticator, on_delete=models.PROTECT, related_name="chip_credential"
    )
    serial = models.CharField(max_length=32)
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField(help_text="COSE_Key (RFC 9052), CBOR")
    aaguid = models.CharField(max_length=36, help_text="The model, as 8-4-4-4-12 hex")
    sign_count = models.BigIntegerField(default=0)
    user_verified = models.BooleanField(
        default=False, help_text="The chip verified its PIN at registration (UV flag)"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"chip {self.serial}"

    def __repr__(self) -> str:
        return f"<ChipCredential {self.serial} {self.aaguid}>"


class ChipChallenge(models.Model):
    """One ceremony's challenge and python-fido2's state; used once, within minutes."""

    class Purpose(models.TextChoices):
        REGISTER = "register"
        LOGIN = "login"

    id = models.CharField(max_length=64, primary_key=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    serial = models.CharField(max_length=32, blank=True)
    flow_id = models.CharField(max_length=64, blank=True)
    password_hash = models.CharField(
        max_length=256,
        blank=True,
        help_text="A registration's new password (Argon2id), set when the chip is activated.",
    )
    state = models.JSONField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} challenge"

    def __repr__(self) -> str:
        return f"<ChipChallenge {self.purpose} {self.identity_id}>"
