"""Business days: work weeks and the public holidays of several countries."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from followup_cal.loader.business_calendar import calendar_for
from followup_cal.plan.model import Profile
from followup_cal.plan.planner import add_months
from followup_cal.plan.workdays import WorkCalendar


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


def test_holidays_are_cached_per_year_and_used_without_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = calendar_for(profile("US"))
    assert first.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    first.save_cache()
    (cached,) = (tmp_path / "followup-cal").glob("holidays-US-all-*.json")
    assert '"2026-11-26": "Thanksgiving Day"' in cached.read_text()
    # A new process answers from the cache without importing the package at all.
    script = (
        "import sys; from datetime import date; from zoneinfo import ZoneInfo\n"
        "from followup_cal.plan.model import Profile\n"
        "from followup_cal.loader.business_calendar import calendar_for\n"
        "p = Profile('A B', 'a@b.org', ZoneInfo('UTC'), country='US')\n"
        "cal = calendar_for(p)\n"
        "print(cal.holiday_name(date(2026, 11, 26)), cal.is_business_day(date(2026, 11, 27)),"
        " 'holidays' in sys.modules)\n"
        "cal.holiday_name(date(2031, 1, 1))\n"
        "print('holidays' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.stdout.splitlines() == ["Thanksgiving Day True False", "True"], out.stderr


def test_a_broken_cache_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    calendar_for(profile("DE")).holiday_name(date(2026, 5, 14))
    calendar_for(profile("DE")).save_cache()
    first = calendar_for(profile("DE"))
    first.holiday_name(date(2026, 5, 14))
    first.save_cache()
    for path in (tmp_path / "followup-cal").glob("holidays-DE-*.json"):
        path.write_text("{not json")
    assert calendar_for(profile("DE")).holiday_name(date(2026, 5, 14)) == "Ascension Day"


@given(st.dates(date(1990, 1, 1), date(2200, 12, 31)), st.integers(-30, 60))
def test_months_are_added_as_dateutil_adds_them(day: date, months: int):
    """Check-ins fall month after month on what relativedelta(months=) gave them (the
    planner's own add_months replaced it): the 31st on a shorter month's last day."""
    assert add_months(day, months) == day + relativedelta(months=months)


def test_a_month_after_the_31st_of_january_is_the_last_of_february():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
