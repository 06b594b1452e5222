"""Counting a rate limit in the database: the fallback when the shared cache (Redis) is away,
so limits still hold, on every node alike, only slower (decision 38)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import RateWindow


def count_in_database(key: str, window: int, now: datetime) -> int:
    """Count one request against ``key`` in the current ``window``-second window; the count."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    start = int(now.timestamp()) // window * window
    rows = RateWindow.objects.filter(key=digest, window=start)
    for _ in range(2):
        with transaction.atomic():
            if rows.update(count=F("count") + 1):
                return int(rows.values_list("count", flat=True).get())
            try:
                with transaction.atomic():  # the first of the window; another may race it
                    expires = datetime.fromtimestamp(start + window, UTC) + timedelta(minutes=1)
                    RateWindow.objects.create(key=digest, window=start, count=1, expires_at=expires)
                return 1
            except IntegrityError:
                continue  # it lost the race: the row is there now, count on it
    raise RuntimeError("a rate limit's row could be neither made nor counted")


def purge(now: datetime) -> int:
    """Delete the rows of windows that have passed; how many."""
    deleted, _ = RateWindow.objects.filter(expires_at__lt=now).delete()
    return deleted
