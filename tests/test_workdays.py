"""Business days: work weeks and the public holidays of several countries."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from followup_cal.model import Profile
from followup_cal.workdays import WorkCalendar, calendar_for


def profile(country: str = "", subdivision: str = "", week=(0, 1, 2, 3, 4)) -> Profile:
    return Profile(
        name="A B",
        email="a@b.org",
        timezone=ZoneInfo("UTC"),
        country=country,
        subdivision=subdivision,
        work_week=week,
    )


@pytest.mark.parametrize(
    ("country", "subdivision", "day", "business"),
    [
        ("US", "", date(2026, 11, 26), False),  # Thanksgiving
        ("DE", "", date(2026, 11, 26), True),
        ("DE", "", date(2026, 5, 14), False),  # Ascension Day
        ("US", "", date(2026, 5, 14), True),
        ("DE", "BY", date(2026, 1, 6), False),  # Epiphany, Bavaria only
        ("DE", "BE", date(2026, 1, 6), True),
        ("GB", "ENG", date(2026, 12, 28), False),  # Boxing Day, moved off Saturday
        ("US", "", date(2026, 11, 28), False),  # a Saturday
    ],
)
def test_business_days_follow_each_country(country, subdivision, day, business):
    assert calendar_for(profile(country, subdivision)).is_business_day(day) is business


def test_holiday_names_explain_a_move():
    cal = calendar_for(profile("DE"))
    assert cal.why_not(date(2026, 12, 25)) == "Fri 25 Dec is Christmas Day"
    assert cal.after(date(2026, 12, 24)) == date(2026, 12, 28)


def test_without_a_country_only_the_work_week_counts():
    cal = calendar_for(profile(week=(6, 0, 1, 2, 3)))  # Sunday to Thursday
    assert cal.is_business_day(date(2026, 11, 29))  # Sunday
    assert not cal.is_business_day(date(2026, 11, 27))  # Friday
    assert cal.on_or_after(date(2026, 11, 27)) == date(2026, 11, 29)


def test_counting_business_days_both_ways():
    cal = WorkCalendar()
    assert cal.add_business_days(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert cal.subtract_business_days(date(2026, 11, 30), 1) == date(2026, 11, 27)
    assert cal.add_business_days(date(2026, 11, 27), 0) == date(2026, 11, 27)
