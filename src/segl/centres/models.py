"""Citizen service centres (issue 12): who works where in which role, the appointments booked,
the devices in a centre's stock, each visit at the desk with the document checked, and the
actions that wait for a second staff member's approval."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from segl.authenticators.models import Device
from segl.identities.models import Identity, Person


class StaffRole(models.Model):
    """One role of one identity at one centre. Granted by a supervisor of that centre (or by
    ``segl staff`` for the first one); taking it away deletes the row. Both are audited."""

    class Role(models.TextChoices):
        OPERATOR = "operator", _("Operator")
        SUPERVISOR = "supervisor", _("Supervisor")
        FULFILMENT = "fulfilment", _("Fulfilment")

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="staff_roles")
    centre = models.CharField(max_length=32)
    role = models.CharField(max_length=16, choices=Role.choices)
    granted_at = models.DateTimeField()
    granted_by = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "centre", "role"], name="staff_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.role} at {self.centre}"


class Appointment(models.Model):
    """A time booked at a centre. ``seat`` is the desk it takes: a centre with three desks has
    seats 1-3 at each time, and no seat is booked twice (a database constraint, so two bookings
    at the same moment cannot both take the last one)."""

    class Purpose(models.TextChoices):
        DEVICE = "device", _("Get or activate a code display or audio code reader")
        APP = "app", _("Activate the segl app")
        NO_PASSPORT = "no_passport", _("Help without a passport")
        PICKUP = "pickup", _("Pick up an order")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    reference = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64, help_text="SHA-256 of the link to change it")
    centre = models.CharField(max_length=32)
    starts_at = models.DateTimeField()
    seat = models.PositiveSmallIntegerField()
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="da")
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "starts_at", "seat"],
                condition=Q(status="booked"),
                name="appointment_seat_once",
            )
        ]
        indexes = [models.Index(fields=["centre", "starts_at"])]

    def __str__(self) -> str:
        return f"appointment {self.reference} ({self.status})"


class StockedDevice(models.Model):
    """A device delivered from the central inventory to a centre, until it is handed over."""

    device = models.OneToOneField(Device, on_delete=models.CASCADE, related_name="stocked")
    centre = models.CharField(max_length=32)
    delivered_at = models.DateTimeField()
    delivered_by = models.CharField(max_length=64)
    counted_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["centre", "handed_over_at"])]

    def __str__(self) -> str:
        return f"{self.device_id} at {self.centre}"


class Visit(models.Model):
    """A person served at the desk: who served them, where, and the ID document checked."""

    class Document(models.TextChoices):
        PASSPORT = "passport", _("Passport")
        DRIVING_LICENCE = "driving_licence", _("Driving licence")
        ID_CARD = "id_card", _("National ID card")
        RESIDENCE_CARD = "residence_card", _("Residence card")
        NONE = "none", _("No valid photo ID")

    centre = models.CharField(max_length=32)
    operator = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="desk_visits")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="desk_visits")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    document_kind = models.CharField(max_length=20, choices=Document.choices, blank=True)
    document_number = models.CharField(max_length=20, blank=True)
    document_country = models.CharField(max_length=3, blank=True)
    document_expiry = models.DateField(null=True, blank=True)
    documents_seen = models.CharField(
        max_length=200, blank=True, help_text="Without photo ID: what the person showed instead"
    )
    document_checked_at = models.DateTimeField(null=True, blank=True)
    chip_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="The chip read at the desk passed passive authentication"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"visit {self.pk} at {self.centre}"

    @property
    def identified(self) -> bool:
        return self.document_checked_at is not None

    def document_text(self) -> str:
        """The document as the audit log and the supervisor's view show it."""
        if not self.identified:
            return ""
        if self.document_kind == self.Document.NONE:
            return f"none ({self.documents_seen})"
        return f"{self.document_kind} {self.document_country} {self.document_number}"

    @property
    def photo_id(self) -> bool:
        """Identified in person with a photo ID (High), not only by other papers."""
        return self.identified and self.document_kind != self.Document.NONE


class Approval(models.Model):
    """An action that needs a second staff member (dual control). The operator at the desk asks;
    another operator or supervisor of the centre approves or refuses in their own login; the
    action is done when approved. Never the same person; both are audited."""

    class Action(models.TextChoices):
        CREATE_IDENTITY = "create_identity", _("Create an identity")
        RESET_PASSWORD = "reset_password", _("Reset the password")
        REINSTATE = "reinstate", _("Reinstate an authenticator")
        LIFT_LOCK = "lift_lock", _("Lift a lock")
        REVOKE_ALL = "revoke_all", _("Revoke everything")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        DONE = "done", _("Approved and done")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Approved, but it could not be done")
        CANCELLED = "cancelled", _("Cancelled")

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="approvals")
    action = models.CharField(max_length=20, choices=Action.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    details = models.JSONField(default=dict, blank=True, help_text="What to do; never a secret")
    password_hash = models.TextField(blank=True, help_text="A new password, hashed as it is kept")
    requested_by = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.action} ({self.status})"


class CustomerDisplay(models.Model):
    """The screen turned to the citizen. The desk shows a short code (an offer: this row, with no
    display yet); typed on the display, it pairs them. What the desk asks for (a user ID, a
    password, a device's code) is typed there and goes to the server, never to the operator's
    screen."""

    token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, help_text="Set once a display claims it"
    )
    pairing_code = models.CharField(max_length=8, blank=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    centre = models.CharField(max_length=32, blank=True)
    operator = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prompt = models.CharField(max_length=20, blank=True)
    prompt_data = models.JSONField(default=dict, blank=True)
    answer = models.JSONField(default=dict, blank=True, help_text="Never a secret in clear")
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    paired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"customer display {self.pk}"
