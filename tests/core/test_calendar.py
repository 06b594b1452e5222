"""Danish business days for expected delivery dates: weekends and public holidays skipped."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.calendar import (
    add_business_days,
    delivery_window,
    easter_sunday,
    is_business_day,
    public_holidays,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def rows(name: str) -> list[dict[str, str]]:
    with (VECTORS / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@pytest.mark.parametrize("row", rows("easter-sundays.csv"), ids=lambda r: r["year"])
def test_easter_sunday_matches_the_tables(row: dict[str, str]) -> None:
    assert easter_sunday(int(row["year"])) == date.fromisoformat(row["easter_sunday"])


@pytest.mark.parametrize("year", [2023, 2026])
def test_the_public_holidays_of_a_year(year: int) -> None:
    expected = {
        date.fromisoformat(r["date"]): r["name"]
        for r in rows("danish-public-holidays.csv")
        if r["date"].startswith(str(year))
    }
    assert public_holidays(year) == expected


def test_great_prayer_day_is_gone_from_2024() -> None:
    assert "Store bededag" in public_holidays(2023).values()
    assert "Store bededag" not in public_holidays(2024).values()


@given(st.integers(min_value=1583, max_value=4099))
def test_easter_is_a_sunday_between_22_march_and_25_april(year: int) -> None:
    easter = easter_sunday(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


def test_weekends_and_holidays_are_not_business_days() -> None:
    assert is_business_day(date(2026, 11, 27))  # a Friday
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert not is_business_day(date(2026, 11, 29))  # Sunday
    assert not is_business_day(date(2026, 4, 6))  # Easter Monday


def test_an_order_over_a_weekend_is_expected_three_to_seven_business_days_later() -> None:
    # Ordered on Friday 27 November 2026: Monday 30 is the first business day after it.
    assert delivery_window(date(2026, 11, 27)) == (date(2026, 12, 2), date(2026, 12, 8))


def test_an_order_before_easter_skips_five_days_off() -> None:
    # Wednesday 1 April 2026: Maundy Thursday, Good Friday, the weekend and Easter Monday.
    assert delivery_window(date(2026, 4, 1)) == (date(2026, 4, 9), date(2026, 4, 15))


def test_an_order_before_christmas_and_new_year() -> None:
    # Wednesday 23 December 2026: Christmas Day (Friday), Boxing Day (Saturday), New Year's Day.
    earliest, latest = delivery_window(date(2026, 12, 23))
    assert earliest == date(2026, 12, 29)
    assert latest == date(2027, 1, 5)


def test_abroad_takes_longer() -> None:
    home = delivery_window(date(2026, 11, 27))
    abroad = delivery_window(date(2026, 11, 27), abroad=True)
    assert abroad[0] > home[0] and abroad[1] > home[1]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 30))
def test_adding_business_days_lands_on_a_business_day_and_counts_right(
    start: date, count: int
) -> None:
    end = add_business_days(start, count)
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(is_business_day(d) for d in days) == count
    if count:
        assert is_business_day(end)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(date(2026, 1, 1), -1)
