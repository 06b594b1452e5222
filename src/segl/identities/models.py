"""The people register and identities (a person's segl)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from segl.core.cpr import mask_cpr


class Person(models.Model):
    """An entry of the people register (synthetic in the demo)."""

    cpr = models.CharField(max_length=10, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, default="DK")
    passport_numbers = models.JSONField(default=list, blank=True)
    phone = models.CharField(
        max_length=20, blank=True, help_text="Mobile number for temporary PIN codes by SMS"
    )
    email = models.EmailField(blank=True, help_text="For notices about orders and changes")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({mask_cpr(self.cpr)})"

    def __repr__(self) -> str:
        return f"<Person {self.pk} {mask_cpr(self.cpr)}>"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class AssuranceLevel(models.TextChoices):
    """NSIS levels, in order."""

    LOW = "low", _("Low")
    SUBSTANTIAL = "substantial", _("Substantial")
    HIGH = "high", _("High")


class Identity(models.Model):
    """A person's segl. It is also Django's user model, so OAuth grants point at it.

    ``id`` is the stable subject identifier sent to RPs; the user ID is the citizen's own
    choice, can change, and is matched case-insensitively.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.CharField(max_length=64, unique=True)
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="identity")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    ial = models.CharField(
        max_length=16, choices=AssuranceLevel.choices, default=AssuranceLevel.SUBSTANTIAL
    )
    preferred_method = models.CharField(max_length=32, blank=True)
    password_hash = models.TextField(blank=True)
    password_failures = models.PositiveIntegerField(default=0)
    password_locked_until = models.DateTimeField(null=True, blank=True)
    password_failures_total = models.PositiveIntegerField(
        default=0, help_text="Wrong passwords since the last success; a lock does not end it"
    )
    password_disabled_at = models.DateTimeField(
        null=True, blank=True, help_text="The limit of wrong passwords was reached: set a new one"
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)
    session_epoch = models.PositiveIntegerField(
        default=0, help_text="Raised to end every portal login made before a security change"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_login = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "user_id"
    REQUIRED_FIELDS: list[str] = []
    is_anonymous = False
    is_authenticated = True

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(Lower("user_id"), name="identity_user_id_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.user_id

    def __repr__(self) -> str:
        return f"<Identity {self.id}>"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def get_username(self) -> str:
        return self.user_id


class Activity(models.Model):
    """One finished login or approval in the citizen's name, as the portal's history shows it.

    Kept apart from the OAuth grant (deleted on redemption) and the audit log (for operators):
    it holds the text the citizen approved, so "This was not me" can point at it.
    """

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="activities")
    at = models.DateTimeField()
    rp_name = models.CharField(max_length=255)
    client_id = models.CharField(max_length=100)
    action = models.CharField(max_length=16)
    approval_text = models.CharField(max_length=130, blank=True)
    method = models.CharField(max_length=32)
    authenticator = models.ForeignKey(
        "authenticators.Authenticator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    flow_id = models.CharField(max_length=32, unique=True)
    reported_at = models.DateTimeField(
        null=True, blank=True, help_text="The citizen said this was not them"
    )

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["identity", "-at"])]

    def __str__(self) -> str:
        return f"{self.action} at {self.rp_name} ({self.at:%Y-%m-%d %H:%M})"
