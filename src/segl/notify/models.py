"""Messages to citizens (SMS, e-mail) as sent through a gateway; the default gateway keeps them
here, in an outbox that the demo shows and tests read."""

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
