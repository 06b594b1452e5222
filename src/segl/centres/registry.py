"""The citizen service centres (a data file): where they are, how many desks, when they open."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from segl.core.opening import OpeningHours, parse_hours

ZONE = ZoneInfo("Europe/Copenhagen")
SLOT_MINUTES = 20


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    address: str
    desks: int  # appointments at the same time
    hours: OpeningHours

    def slots(self, day: date) -> list[datetime]:
        """The appointment times on ``day``, aware, in the centre's zone."""
        return [_at(day, t) for t in self.hours.slots(day, minutes=SLOT_MINUTES)]

    def is_slot(self, when: datetime) -> bool:
        local = when.astimezone(ZONE)
        return local.second == 0 and local in self.slots(local.date())


def _at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZONE)


@cache
def centres() -> dict[str, Centre]:
    """Every centre, by id: where an order can be picked up and an appointment booked."""
    path = Path(__file__).resolve().parent / "data" / "centres.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    hours = {
        name: parse_hours(week, data["closed_every_year"]) for name, week in data["hours"].items()
    }
    return {
        c["id"]: Centre(
            id=c["id"],
            name=c["name"],
            address=c["address"],
            desks=int(c["desks"]),
            hours=hours[c["hours"]],
        )
        for c in data["centres"]
    }


def centre(centre_id: str) -> Centre | None:
    return centres().get(centre_id)


def local_day(when: datetime) -> date:
    return when.astimezone(ZONE).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=ZONE)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZONE)
