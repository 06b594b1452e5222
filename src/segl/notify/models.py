"""Messages to citizens (SMS, e-mail, the app's notifications, letters): the outbox every one
is written to before a gateway sends it, and the e-mail addresses that switched some off."""

from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "e-mail"
        PUSH = "push", "push notification"
        LETTER = "letter", "letter"

    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(max_length=254)
    text = models.TextField()
    purpose = models.CharField(max_length=32, help_text="What it is for, e.g. temporary_pin")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Handed to the gateway; empty while waiting or failing"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True, help_text="The gateway's last refusal")
    secret_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The text holds a one-time secret, good until then: the text is cleared once "
        "a gateway has sent it on, and by 'segl purge' after this time",
    )
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="After a refusal: not tried again before then"
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Being sent by the one who claimed it; after this time anyone may try it",
    )
    claimed_by = models.CharField(max_length=32, blank=True)
    reference = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="The provider's id of the message, for its receipts",
    )
    delivered_at = models.DateTimeField(
        null=True, blank=True, help_text="The provider's receipt says it reached the citizen"
    )
    receipt = models.CharField(
        max_length=64, blank=True, help_text="The provider's last receipt: delivered, failed …"
    )
    dead_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Refused at the last attempt: not tried again unless an operator says so",
    )

    class Meta:
        indexes = [
            models.Index(fields=["to", "created_at"]),
            models.Index(fields=["sent_at", "dead_at", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}: {self.purpose}"


class EmailOptOut(models.Model):
    """An address that said "no more of these" (List-Unsubscribe, RFC 8058) to the notices a
    citizen may switch off; kept as a keyed hash, not the address. Security notices still come."""

    address_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"opt-out {self.address_hash[:8]}"
