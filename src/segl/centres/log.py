"""The centre's log for its supervisor: every audited event that names the centre (desk actions,
approvals, staff roles, stock, handed-over orders, appointments), newest first, filtered."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from segl.audit.models import AuditEvent

from .registry import ZONE

LOG_ROWS = 500
COLUMNS = ("at", "action", "outcome", "actor", "subject", "document", "details")


def centre_log(
    centre: str,
    *,
    since: date | None = None,
    until: date | None = None,
    actor: str = "",
    action: str = "",
    limit: int = LOG_ROWS,
) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(data__centre=centre)
    if since:
        events = events.filter(at__gte=datetime.combine(since, time(0), tzinfo=ZONE))
    if until:
        events = events.filter(
            at__lt=datetime.combine(until + timedelta(days=1), time(0), tzinfo=ZONE)
        )
    if actor:
        events = events.filter(actor__icontains=actor.strip())
    if action:
        events = events.filter(action__startswith=action.strip())
    return list(events.order_by("-at", "-seq")[:limit])


def details(event: AuditEvent) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    shown = {k: v for k, v in data.items() if k not in ("centre", "document")}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))


def as_csv(events: Iterable[AuditEvent]) -> str:
    """The log as CSV (RFC 4180), with a header row; a cell that a spreadsheet would read as a
    formula starts with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        row = [
            event.at.astimezone(ZONE).isoformat(timespec="seconds"),
            event.action,
            event.outcome,
            event.actor,
            event.subject,
            str(data.get("document", "")),
            details(event),
        ]
        writer.writerow([_safe(cell) for cell in row])
    return out.getvalue()


def _safe(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
