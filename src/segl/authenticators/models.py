"""The device inventory and the authenticators an identity has.

A :class:`Device` is a physical (or emulated) token in the inventory, with its seed encrypted at
rest and its one-time-code state. An :class:`Authenticator` is one thing that proves an identity:
for a code display or audio code reader it points at the device; later kinds (app, chip) keep
their own state beside it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from segl.identities.models import Identity


class Kind(models.TextChoices):
    APP = "app", _("segl app")
    CODE_DISPLAY = "code_display", _("code display")
    AUDIO_CODE_READER = "audio_code_reader", _("audio code reader")
    CHIP = "chip", _("chip")


DEVICE_KINDS = (Kind.CODE_DISPLAY, Kind.AUDIO_CODE_READER)
# What the inventory holds: the code devices and chips (a chip's row has no seed; its kind's
# folder, segl.chip, keeps the credential once it is activated).
INVENTORY_KINDS = (*DEVICE_KINDS, Kind.CHIP)
# What an app is called until its owner names it (the app sends its kind's name, translated).
DEFAULT_APP_NAME = "segl app"


class Device(models.Model):
    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        ASSIGNED = "assigned", _("Assigned")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        RETIRED = "retired", _("Retired")

    serial = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=32, choices=[(k.value, k.label) for k in INVENTORY_KINDS])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_STOCK)
    algorithm = models.CharField(
        max_length=8,
        choices=[("totp", "TOTP"), ("hotp", "HOTP")],
        blank=True,
        help_text="A code device's; blank for a chip, which has no seed",
    )
    hash_algorithm = models.CharField(max_length=8, default="SHA1")
    digits = models.PositiveSmallIntegerField(default=6)
    period = models.PositiveIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    seed = models.TextField(
        blank=True,
        help_text="AES-GCM ciphertext of the seed, bound to the serial; blank for a chip",
    )
    counter = models.BigIntegerField(default=0, help_text="HOTP: the next counter expected")
    last_step = models.BigIntegerField(null=True, blank=True, help_text="TOTP: last step accepted")
    drift = models.IntegerField(default=0, help_text="TOTP: the token's clock offset, in steps")
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    failures_total = models.PositiveIntegerField(
        default=0, help_text="Wrong codes since the last success; a lock does not end it"
    )
    disabled_at = models.DateTimeField(
        null=True, blank=True, help_text="The limit of wrong codes was reached: blocked for good"
    )
    assigned_to = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_devices"
    )
    batch = models.CharField(max_length=128, blank=True)
    model = models.CharField(
        max_length=36, blank=True, help_text="A chip's model (its AAGUID), from its batch file"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"

    def __repr__(self) -> str:
        return f"<Device {self.serial} {self.kind} {self.status}>"


class Authenticator(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        RETIRED = "retired", _("Retired")

    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="authenticators")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    device = models.OneToOneField(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="authenticator"
    )
    name = models.CharField(max_length=64, blank=True)
    activated_at = models.DateTimeField()
    # How it was bound to its identity: an app activated after a proofing at High reaches High
    # (its kind's highest); everything else Substantial (decision 32).
    level = models.CharField(max_length=16, default="substantial")
    retired_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One active device of a kind at a time (seeds 000, 001), chips too.
            models.UniqueConstraint(
                fields=["identity", "kind"],
                condition=Q(status="active") & Q(kind__in=[k.value for k in INVENTORY_KINDS]),
                name="one_active_device_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"
