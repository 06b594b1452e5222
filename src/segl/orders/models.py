"""Device orders (seeds 000, 001): who ordered and how they identified, what it cost, where it
goes, and each step of its way from stock to the citizen."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from segl.authenticators.models import Device
from segl.identities.models import Person


class Order(models.Model):
    class Kind(models.TextChoices):
        CODE_DISPLAY = "code_display", _("code display")
        AUDIO_CODE_READER = "audio_code_reader", _("audio code reader")
        CHIP = "chip", _("chip")

    class IdentifiedBy(models.TextChoices):
        LOGIN = "login", _("logged in with segl")
        PASSPORT = "passport", _("CPR number and passport number")
        PROOFING = "proofing", _("passport or ID card in the segl app")
        NONE = "none", _("not identified")

    class Delivery(models.TextChoices):
        POST = "post", _("by post")
        PICKUP = "pickup", _("pickup at a citizen service centre")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        PACKED = "packed", _("Packed")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        READY = "ready_for_pickup", _("Ready for pickup")
        COLLECTED = "collected", _("Collected")
        CANCELLED = "cancelled", _("Cancelled")

    class Payment(models.TextChoices):
        FREE = "free", _("Free")
        INVOICED = "invoiced", _("Awaiting payment")
        PAID = "paid", _("Paid")

    reference = models.CharField(max_length=12, unique=True)
    idempotency_key = models.CharField(
        max_length=64, unique=True, help_text="From the order form: a double submit is one order"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    identified_by = models.CharField(max_length=16, choices=IdentifiedBy.choices)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    price_ore = models.PositiveIntegerField()
    payment = models.CharField(max_length=16, choices=Payment.choices)
    delivery = models.CharField(max_length=16, choices=Delivery.choices)
    recipient = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    country = models.CharField(max_length=2, default="DK")
    centre = models.CharField(max_length=32, blank=True)
    expected_earliest = models.DateField()
    expected_latest = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ORDERED)
    device = models.OneToOneField(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="order"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "kind"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"order {self.reference} ({self.status})"


class OrderEvent(models.Model):
    """One step of an order, as the citizen sees it in their list of orders."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Order.Status.choices)
    at = models.DateTimeField()
    actor = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.status}"


class IdentificationThrottle(models.Model):
    """Wrong CPR number + passport number tries, per keyed hash of the CPR number and per
    address: 3 in 15 minutes, then a wait."""

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    failures_total = models.PositiveIntegerField(
        default=0, help_text="Wrong tries since the last success; a lock does not end it"
    )
    disabled_at = models.DateTimeField(null=True, blank=True, help_text="The limit was reached")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"identification throttle {self.key[:8]}"
