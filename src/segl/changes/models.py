"""A change that weakens protection, waiting to take effect."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from segl.authenticators.models import Authenticator


class DelayedChange(models.Model):
    """A change that weakens protection waits out its delay, then needs confirming."""

    class What(models.TextChoices):
        ONE_TIME_CODES = "one_time_codes", _("Approve with one-time codes")

    authenticator = models.ForeignKey(
        Authenticator, on_delete=models.CASCADE, related_name="delayed_changes"
    )
    what = models.CharField(max_length=32, choices=What.choices)
    requested_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table the app made when the rule was the app's own (decision 25): kept, with its rows.
        db_table = "app_delayedchange"

    def __str__(self) -> str:
        return f"{self.what} from {self.effective_at:%Y-%m-%d %H:%M}"
