"""Business days of the user: a work week and the public holidays of a country.

The planner only asks "is this a business day, and if not, why?"; it never imports the
``holidays`` package itself, so the planner stays pure and testable with any calendar.
The holidays of the user's country are looked up (and cached on disk) by
``followup_cal.loader.business_calendar``, which builds a ``WorkCalendar`` from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol


class BusinessCalendar(Protocol):
    def holiday_name(self, day: date) -> str | None: ...

    def is_business_day(self, day: date) -> bool: ...

    def why_not(self, day: date) -> str: ...


@dataclass
class WorkCalendar:
    """A work week plus a lookup of public holidays (``None`` when it is no holiday)."""

    work_week: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: Callable[[date], str | None] = field(default=lambda _day: None)
    # What the planner worked out from these days alone (the season a day falls in),
    # kept for the next interview of the same plan: a memo, not state.
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def holiday_name(self, day: date) -> str | None:
        return self.holidays(day)

    def save_cache(self) -> None:
        save = getattr(self.holidays, "save", None)
        if save is not None:
            save()

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.work_week and self.holidays(day) is None

    def why_not(self, day: date) -> str:
        """Why a day is not a business day, for the event's explanation."""
        name = self.holidays(day)
        if name:
            return f"{day:%a %-d %b} is {name}"
        return f"{day:%a %-d %b} is not a working day"

    def on_or_after(self, day: date) -> date:
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def after(self, day: date) -> date:
        return self.on_or_after(day + timedelta(days=1))

    def add_business_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.after(day)
        return day

    def subtract_business_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day -= timedelta(days=1)
            while not self.is_business_day(day):
                day -= timedelta(days=1)
        return day
