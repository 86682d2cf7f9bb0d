"""The holidays people take off together, as data: what "we decide after the holidays" means.

A single public holiday (Veterans Day, German Unity Day) does not stop a hiring decision;
a season when most of a country is away does. The year-end holidays count everywhere;
a country adds its own where its people take a common break. A season is either fixed
in the calendar or follows public holidays whose dates move (the lunar new year), named
as the ``holidays`` package names them in English.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from followup_cal.plan.workdays import WorkCalendar

HolidayName = Callable[[date], str | None]


@dataclass(frozen=True)
class Season:
    name: str  # as a draft says it: "With {name} coming up"
    first: tuple[int, int] = (0, 0)  # (month, day) of a fixed season
    last: tuple[int, int] = (0, 0)  # may fall in the next year
    starts_with: str = ""  # or: the first public holiday whose name contains this
    ends_with: str = ""  # ... to the last one named so (default: the same text)
    # A fixed season runs on to this day where the user's public holidays name it so.
    runs_to: tuple[int, int] = (0, 0)
    runs_to_holiday: str = ""


# Where Epiphany (6 Jan) is a public holiday (Bavaria, Austria, Spain, Italy, Poland,
# Sweden...), many workplaces stay quiet until it: the holidays data says where.
YEAR_END = Season(
    "the year-end holidays", (12, 24), (1, 1), runs_to=(1, 6), runs_to_holiday="Epiphany"
)
LUNAR_NEW_YEAR = "the Lunar New Year holidays"
AUGUST = Season("the August holidays", (8, 1), (8, 31))

BY_COUNTRY: dict[str, tuple[Season, ...]] = {
    "CN": (
        Season(LUNAR_NEW_YEAR, starts_with="Chinese New Year"),
        Season("the National Day Golden Week", (10, 1), (10, 7)),
    ),
    "TW": (Season(LUNAR_NEW_YEAR, starts_with="Chinese New Year"),),
    "KR": (
        Season(LUNAR_NEW_YEAR, starts_with="Korean New Year"),
        Season("the Chuseok holidays", starts_with="Chuseok"),
    ),
    "VN": (Season("the Tết holidays", starts_with="Lunar New Year"),),
    "JP": (
        Season("Golden Week", (4, 29), (5, 5)),
        Season("the Obon holidays", (8, 13), (8, 16)),
    ),
    "IL": (Season("the autumn holidays", starts_with="Rosh Hashanah", ends_with="Simchat Torah"),),
    # Much of the country closes for the summer, and decisions wait for September.
    "FR": (AUGUST,),
    "ES": (AUGUST,),
    "IT": (AUGUST,),
}

SEARCH_DAYS = 400  # a season is looked for within about a year of the interview


def seasons_for(country: str) -> tuple[Season, ...]:
    return (YEAR_END, *BY_COUNTRY.get(country, ()))


def _fixed(season: Season, after: date, holiday_name: HolidayName) -> tuple[date, date] | None:
    for year in (after.year - 1, after.year, after.year + 1):
        start = date(year, *season.first)
        end = date(year + (season.last < season.first), *season.last)
        if season.runs_to_holiday:
            later = date(end.year, *season.runs_to)
            if season.runs_to_holiday in (holiday_name(later) or ""):
                end = later
        if end >= after:
            return start, end
    return None


def _moving(season: Season, after: date, holiday_name: HolidayName) -> tuple[date, date] | None:
    def named(day: date, text: str) -> bool:
        return text in (holiday_name(day) or "")

    # Start a little early so that a season already under way is found too.
    day, limit = after - timedelta(days=14), after + timedelta(days=SEARCH_DAYS)
    while day <= limit:
        if named(day, season.starts_with):
            start, end = day, day
            closing = season.ends_with or season.starts_with
            probe = day
            # The last day so named within a month (Rosh Hashanah to Simchat Torah).
            while probe <= start + timedelta(days=31):
                if named(probe, closing):
                    end = probe
                elif end < probe - timedelta(days=2) and closing == season.starts_with:
                    break
                probe += timedelta(days=1)
            if end >= after:
                return start, end
            day = end
        day += timedelta(days=1)
    return None


def next_season(
    country: str, after: date, holiday_name: HolidayName
) -> tuple[date, date, str] | None:
    """The first season of the country that has not ended by ``after``: (first day,
    last day, name)."""
    found = []
    for season in seasons_for(country):
        dates = _moving(season, after, holiday_name) if season.starts_with else None
        dates = dates if season.starts_with else _fixed(season, after, holiday_name)
        if dates:
            found.append((*dates, season.name))
    return min(found, default=None)


Period = tuple[date, date, str, date]


def holiday_period(cal: WorkCalendar, country: str, after: date) -> Period | None:
    """The next holiday season: (first day, last day off, name, last day of the season
    itself); the days off run on over a weekend or a bridge day."""
    season = next_season(country, after, cal.holiday_name)
    if season is None:
        return None
    start, last, name = season
    end = last
    while not cal.is_business_day(end + timedelta(days=1)):
        end += timedelta(days=1)
    return start, end, name, last


def season_at(cal: WorkCalendar, country: str, day: date) -> Period | None:
    """The season of ``country`` that ``day`` falls in (its days off included), or None.
    Kept in the calendar's memo: a plan asks it for the same few hundred days."""
    key = ("season", country, day)
    if key not in cal.memo:
        period = holiday_period(cal, country, day)
        inside = period is not None and period[0] <= day <= period[1]
        cal.memo[key] = period if inside else None
    return cal.memo[key]  # type: ignore[return-value]
