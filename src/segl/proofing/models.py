"""A proofing in progress and what it leaves behind.

A :class:`Proofing` is one citizen's attempt, from "Get started" to a segl or a refusal; the
app holds its secret (a bearer token, kept here only as a hash). The attempts of a day are
what the limits count (per keyed hash of the document and of the CPR number). Pictures and the
chip's keys are sealed with the key ring while they are needed and deleted once decided. What
is kept afterwards is what a :class:`ProofingRecord` holds: how an identity was proofed, never
the document's data or a face.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from segl.identities.models import Identity, Person


class Proofing(models.Model):
    class State(models.TextChoices):
        STARTED = "started", _("Started")
        DOCUMENT = "document", _("Document code read")
        CHIP = "chip", _("Chip read, waiting for its answer")
        FACE = "face", _("Chip verified, waiting for the face")
        REVIEW = "review", _("Face waiting for review")
        VERIFIED = "verified", _("Identity confirmed")
        REFUSED = "refused", _("Refused")

    id = models.CharField(max_length=22, primary_key=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.STARTED)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    cpr_key = models.CharField(max_length=64, blank=True)
    document_key = models.CharField(max_length=64, blank=True)
    # While in progress: what the next step needs, sealed (segl.keys) where it is personal.
    printed_mrz = models.TextField(blank=True)
    chip_keys = models.JSONField(default=dict, blank=True)  # DG14/DG15, base64; public keys
    challenge = models.CharField(max_length=16, blank=True)
    ephemeral_key = models.TextField(blank=True)
    portrait = models.TextField(blank=True)
    capture = models.TextField(blank=True)
    # The result, kept in the ProofingRecord once an identity has it.
    document_type = models.CharField(max_length=16, blank=True)
    issuing_country = models.CharField(max_length=2, blank=True)
    clone_check = models.CharField(max_length=24, blank=True)
    face_decision = models.CharField(max_length=16, blank=True)
    face_score = models.FloatField(null=True, blank=True)
    face_decided_by = models.JSONField(default=list, blank=True)
    live = models.BooleanField(default=False, help_text="The verifier established liveness")
    viewed_by = models.JSONField(default=list, blank=True, help_text="Reviewers who saw it")
    used_for = models.CharField(max_length=8, blank=True, help_text="Step 5, once")
    level = models.CharField(max_length=16, blank=True)
    refusal = models.CharField(max_length=32, blank=True)
    identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["cpr_key", "created_at"]),
            models.Index(fields=["document_key", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"proofing {self.id} ({self.state})"


class ProofingRecord(models.Model):
    """How an identity was proofed: kept for as long as the identity is."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="proofings")
    proofing_id = models.CharField(max_length=22, unique=True)
    method = models.CharField(max_length=16, default="document")
    document_type = models.CharField(max_length=16)
    issuing_country = models.CharField(max_length=2)
    chip_verified = models.BooleanField()
    clone_check = models.CharField(max_length=24)
    face_decision = models.CharField(max_length=16)
    face_decided_by = models.JSONField(default=list)
    level = models.CharField(max_length=16)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.identity_id} proofed by {self.document_type} at {self.level}"
