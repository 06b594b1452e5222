"""Audit events: append-only chains sealed with a key, so that a changed or removed event shows."""

from __future__ import annotations

from django.db import models

from segl.core.audit import GENESIS


class AuditEvent(models.Model):
    """One security event, the ``seq``-th of its partition's chain (:mod:`segl.core.audit`).

    ``digest`` is the event's seal: HMAC-SHA256 under the audit key ``kid`` over
    ``prev_digest`` and the event. Events of the legacy segment (partition -1, written before
    the chains were keyed) have no ``kid`` and a plain SHA-256 digest.
    """

    partition = models.SmallIntegerField(default=-1)
    seq = models.BigIntegerField()
    kid = models.CharField(max_length=32, blank=True, default="")
    at = models.DateTimeField()
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=32)
    actor = models.CharField(max_length=128, blank=True)
    subject = models.CharField(max_length=128, blank=True)
    ip = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["partition", "seq"], name="audit_event_partition_seq")
        ]
        indexes = [models.Index(fields=["action", "at"]), models.Index(fields=["subject", "at"])]

    def __str__(self) -> str:
        return (
            f"{self.partition}#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"
        )


class AuditPartition(models.Model):
    """The head of one chain. An append locks its partition's row only, so writers that hold
    different partitions never wait for each other. Partition -1 records where the legacy
    segment ended; it is never appended to.
    """

    number = models.SmallIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        db_table = "audit_auditpartition"  # named in the SQL of segl.audit.partitions

    def __str__(self) -> str:
        return f"audit partition {self.number} at #{self.seq}"
