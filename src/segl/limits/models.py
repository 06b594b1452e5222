"""A rate limit's count for one window, kept in the database while Redis cannot be reached."""

from __future__ import annotations

from django.db import models


class RateWindow(models.Model):
    """Requests counted against one key in one fixed window. Written only while the shared cache
    is away (segl.http.hit); rows of windows past are purged (``segl purge``)."""

    key = models.CharField(
        max_length=64, help_text="SHA-256 of the limit's key; never an address or a user ID."
    )
    window = models.BigIntegerField(help_text="The window's start, in seconds since the epoch")
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="limits_one_row_per_window")
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.key[:8]}@{self.window}: {self.count}"
