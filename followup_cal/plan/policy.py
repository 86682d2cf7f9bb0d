"""The follow-up policy as data: every default and every allowed range in one table.

Each key's default, range, the advice behind it and a worked example are in
``docs/policy.md`` (a test keeps the two in step). A user overrides any of them under
``policy:`` at the top of the YAML file and again per interview; the loader checks each
override against the range given here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import time
from typing import Any


@dataclass(frozen=True)
class Setting:
    """How one policy key is read and which values are allowed."""

    key: str
    kind: str  # "int", "time" or "days" (a list of day offsets)
    minimum: int = 0
    maximum: int = 0
    why: str = ""


# The ranges are wide enough for every source's advice and narrow enough to refuse
# what would read as pushy (e.g. more than three inquiries).
SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("debrief_after_minutes", "int", 0, 240, "minutes after the interview ends"),
        Setting("thank_you_delay_hours", "int", 0, 24, "hours after the interview ends"),
        Setting("work_day_start", "time", why="start of the working day"),
        Setting("work_day_end", "time", why="end of the working day"),
        Setting("send_time", "time", why="time of day follow-ups are placed at"),
        Setting("evening_end", "time", why="latest time a thank-you goes out after hours"),
        Setting("follow_up_days", "days", 1, 60, "days after the interview, one per inquiry"),
        Setting("min_days_between_follow_ups", "int", 1, 30, "days between two inquiries"),
        Setting("max_follow_ups", "int", 0, 3, "more than 3 inquiries reads as desperate"),
        Setting("check_ins", "int", 0, 24, "monthly network check-ins"),
        Setting("check_in_every_months", "int", 1, 12, "months between check-ins"),
        Setting("rejection_reply_business_days", "int", 1, 5, "business days after a rejection"),
        Setting("holiday_note_business_days", "int", 1, 10, "business days before the holidays"),
        Setting(
            "quiet_after_reply_business_days",
            "int",
            0,
            10,
            "business days after their reply before a note you start",
        ),
        Setting(
            "wait_after_reply_days",
            "int",
            1,
            60,
            "days after a reply that is no outcome before the next inquiry",
        ),
        Setting("event_minutes", "int", 5, 120, "length of a follow-up event"),
        Setting("reminder_minutes", "int", 0, 1440, "minutes before the event the alarm rings"),
    )
}


@dataclass(frozen=True)
class Policy:
    """The settings the planner applies to one interview."""

    debrief_after_minutes: int = 30
    thank_you_delay_hours: int = 2
    work_day_start: time = time(9, 0)
    work_day_end: time = time(17, 0)
    send_time: time = time(9, 30)
    evening_end: time = time(21, 0)
    follow_up_days: tuple[int, ...] = (7, 14, 21)
    min_days_between_follow_ups: int = 7
    max_follow_ups: int = 2
    check_ins: int = 6
    check_in_every_months: int = 1
    rejection_reply_business_days: int = 1
    holiday_note_business_days: int = 3
    quiet_after_reply_business_days: int = 3
    # Rule 5: "two weeks since your last communication" before asking again.
    wait_after_reply_days: int = 14
    event_minutes: int = 15
    reminder_minutes: int = 0
    # Keys set explicitly at interview level; rule 3 lets an explicit ``check_ins``
    # bring check-ins back for an employer that asked for no follow-ups.
    explicit: frozenset[str] = field(default=frozenset(), compare=False)

    def with_overrides(self, overrides: dict[str, Any], *, explicit: bool = False) -> Policy:
        merged = replace(self, **overrides)
        if explicit:
            merged = replace(merged, explicit=self.explicit | frozenset(overrides))
        return merged

    def inquiry_offsets(self) -> tuple[int, ...]:
        """Day offsets of the inquiries, extended by the minimum gap when the list is short."""
        offsets = list(self.follow_up_days[: self.max_follow_ups])
        while len(offsets) < self.max_follow_ups:
            last = offsets[-1] if offsets else 0
            offsets.append(last + self.min_days_between_follow_ups)
        return tuple(offsets)


DEFAULT_POLICY = Policy()

assert set(SETTINGS) == {f.name for f in fields(Policy)} - {"explicit"}
