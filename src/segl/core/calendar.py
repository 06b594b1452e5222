"""Danish business days: for the expected delivery date of an order (seeds 000, 001: "within
3-7 business days, longer abroad").

A business day is Monday to Friday and not a Danish public holiday (helligdag): New Year's Day,
Maundy Thursday, Good Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday and Monday,
Christmas Day and Boxing Day, and Great Prayer Day (store bededag) until it was abolished from
2024. Constitution Day, Christmas Eve and New Year's Eve are not public holidays by law and are
left to the delivery service.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = [
    "add_business_days",
    "delivery_window",
    "easter_sunday",
    "is_business_day",
    "public_holidays",
]

POST_DAYS = (3, 7)
ABROAD_DAYS = (5, 15)
LAST_PRAYER_DAY_YEAR = 2023


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous algorithm of Meeus/Jones/Butcher)."""
    if year < 1583:
        raise ValueError("the Gregorian Easter is defined from 1583")
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> dict[date, str]:
    """The Danish public holidays of ``year``, with their Danish names."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): "Nytårsdag",
        easter - timedelta(days=3): "Skærtorsdag",
        easter - timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + timedelta(days=1): "2. påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "Pinsedag",
        easter + timedelta(days=50): "2. pinsedag",
        date(year, 12, 25): "Juledag",
        date(year, 12, 26): "2. juledag",
    }
    if year <= LAST_PRAYER_DAY_YEAR:
        days[easter + timedelta(days=26)] = "Store bededag"
    return days


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_business_days(start: date, count: int) -> date:
    """The ``count``-th business day after ``start`` (``start`` itself does not count)."""
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    while count:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def delivery_window(ordered_on: date, *, abroad: bool = False) -> tuple[date, date]:
    """The earliest and latest expected delivery dates of a device sent by post."""
    first, last = ABROAD_DAYS if abroad else POST_DAYS
    return add_business_days(ordered_on, first), add_business_days(ordered_on, last)
