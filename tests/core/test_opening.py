"""Opening hours and appointment times of a citizen service centre (segl.core.opening)."""

from __future__ import annotations

from datetime import date, time

import pytest

from segl.core.opening import parse_hours

HOURS = parse_hours(
    {"mon": ["10:00", "11:00"], "thu": ["10:00", "18:00"], "fri": ["10:00", "14:00"]},
    ["06-05", "12-24"],
)


def test_slots_fill_the_opening_hours_and_end_by_closing_time():
    monday = date(2026, 11, 30)
    assert HOURS.slots(monday, minutes=20) == [time(10, 0), time(10, 20), time(10, 40)]
    assert HOURS.slots(monday, minutes=25) == [time(10, 0), time(10, 25)]  # 10:50 would overrun


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 12, 1), "weekday"),  # a Tuesday: these hours name no Tuesday
        (date(2026, 12, 25), "holiday"),  # Christmas Day, a Friday
        (date(2026, 4, 2), "holiday"),  # Maundy Thursday 2026
        (date(2026, 12, 24), "closed_day"),  # Christmas Eve, a Thursday: closed every year
        (date(2026, 6, 5), "closed_day"),  # Constitution Day, a Friday
    ],
)
def test_closed_days_offer_no_time(day, why):
    assert HOURS.closed_because(day) == why
    assert HOURS.slots(day, minutes=20) == []


def test_an_open_day_says_so():
    assert HOURS.closed_because(date(2026, 12, 3)) is None  # a Thursday
    assert HOURS.is_slot(date(2026, 12, 3), time(17, 40), minutes=20)
    assert not HOURS.is_slot(date(2026, 12, 3), time(17, 50), minutes=20)


@pytest.mark.parametrize(
    ("week", "closed"),
    [
        ({"mon": ["10:00", "10:00"]}, []),
        ({"mon": ["17:00", "10:00"]}, []),
        ({"monday": ["10:00", "17:00"]}, []),
        ({"mon": ["10:00", "25:00"]}, []),
        ({}, ["02-30"]),
    ],
)
def test_hours_that_make_no_sense_are_refused(week, closed):
    with pytest.raises(ValueError):
        parse_hours(week, closed)
