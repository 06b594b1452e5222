"""When a citizen service centre is open, and the appointment times it offers (issue 12).

A centre opens on the weekdays its hours name, never on a Danish public holiday (the calendar
the delivery dates use) nor on a day it closes every year (Constitution Day, Christmas Eve and
New Year's Eve by default: not public holidays by law, but days Borgerservice keeps closed).
Times are wall-clock times in the centre's own zone; the caller makes them aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .calendar import public_holidays

__all__ = ["DAYS", "OpeningHours", "parse_hours"]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    week: Mapping[int, tuple[time, time]]  # weekday (Monday 0) -> opens, closes
    closed_every_year: frozenset[tuple[int, int]] = frozenset()  # (month, day)

    def closed_because(self, day: date) -> str | None:
        """Why the centre is closed on ``day`` ("holiday", "closed_day", "weekday"), or None."""
        if day in public_holidays(day.year):
            return "holiday"
        if (day.month, day.day) in self.closed_every_year:
            return "closed_day"
        if day.weekday() not in self.week:
            return "weekday"
        return None

    def slots(self, day: date, *, minutes: int) -> list[time]:
        """The start of every appointment of ``minutes`` that ends by closing time."""
        if minutes <= 0:
            raise ValueError("an appointment lasts at least a minute")
        if self.closed_because(day) is not None:
            return []
        opens, closes = self.week[day.weekday()]
        start = datetime.combine(day, opens)
        end = datetime.combine(day, closes)
        found = []
        while start + timedelta(minutes=minutes) <= end:
            found.append(start.time())
            start += timedelta(minutes=minutes)
        return found

    def is_slot(self, day: date, at: time, *, minutes: int) -> bool:
        return at in self.slots(day, minutes=minutes)


def parse_hours(
    week: Mapping[str, tuple[str, str] | list[str]], closed_every_year: list[str]
) -> OpeningHours:
    """Hours as a data file writes them: ``{"mon": ["10:00", "17:00"], ...}`` and ``["12-24"]``."""
    parsed: dict[int, tuple[time, time]] = {}
    for name, (opens, closes) in week.items():
        if name not in DAYS:
            raise ValueError(f"unknown weekday {name!r}")
        start, end = time.fromisoformat(opens), time.fromisoformat(closes)
        if start >= end:
            raise ValueError(f"{name}: opens at {opens}, not before closing at {closes}")
        parsed[DAYS.index(name)] = (start, end)
    closed = set()
    for text in closed_every_year:
        month, day = (int(part) for part in text.split("-"))
        date(2024, month, day)  # a day that exists (2024 holds 29 February)
        closed.add((month, day))
    return OpeningHours(week=parsed, closed_every_year=frozenset(closed))
