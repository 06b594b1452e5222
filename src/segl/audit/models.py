"""Audit events: append-only and hash-chained, so that a changed or removed event shows."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One security event. ``digest`` = SHA-256 over the previous digest and this event."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=32)
    actor = models.CharField(max_length=128, blank=True)
    subject = models.CharField(max_length=128, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["action", "at"]), models.Index(fields=["subject", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"


class AuditHead(models.Model):
    """The single row every append locks, so the chain has one writer at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head at #{self.seq}"
