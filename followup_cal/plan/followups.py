"""What a planned follow-up is: its step, its date and recipient, its stable UID, and
the few ways dates are written in what people read. The planner makes these; every
adapter (drafts, calendar, sync, the CLI) reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from followup_cal.plan.model import Interview, Person, lazy
from followup_cal.plan.uids import UID_DOMAIN


class Step(StrEnum):
    DEBRIEF = "debrief"
    THANK_YOU = "thank_you"
    FOLLOW_UP = "follow_up"
    CHECK_IN = "check_in"
    REJECTION_REPLY = "rejection_reply"
    HOLIDAY_NOTE = "holiday_note"


# Steps that ask the other side for something and so wait on decisions and absences.
PENDING_STEPS = frozenset({Step.FOLLOW_UP, Step.CHECK_IN, Step.HOLIDAY_NOTE})
STEP_ORDER = {step: i for i, step in enumerate(Step)}


@cache  # strftime is slow, and a plan names the same few hundred days again and again
def fmt_day(day: date) -> str:
    """'Fri 4 Dec' — short and unambiguous in every locale we write for."""
    return f"{day:%a} {day.day} {day:%b}"


def fmt_date(day: date) -> str:
    """'Fri 4 Dec 2026' — for text a recipient reads."""
    return f"{fmt_day(day)} {day.year}"


def fmt_clock(moment: datetime) -> str:
    """'09:30', as %H:%M writes it without strftime (slow, and a plan's lines and the
    timeline's panels each ask it 150,000 times in a large search)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def their_time(item: PlannedFollowup) -> str:
    """' (15:30 CET in Oslo)' when the reader's clock differs from the user's, else ''."""
    zone = item.their_zone
    if zone is None:
        return ""
    there = item.start.astimezone(zone)
    return f" ({there:%H:%M %Z} in {place_name(zone)})"


def place_name(zone: ZoneInfo) -> str:
    """'Europe/Oslo' -> 'Oslo', 'America/New_York' -> 'New York'."""
    return zone.key.rsplit("/", 1)[-1].replace("_", " ")


def count_of(n: int, unit: str) -> str:
    """'1 month', '2 months': reasons are read by people, so no 'month(s)'."""
    return f"{n} {unit}{'s' * (n != 1)}"


@dataclass(frozen=True)
class PlannedFollowup:
    """One follow-up on one date for one recipient (``None``: a note to myself)."""

    interview: Interview
    step: Step
    start: datetime
    duration: timedelta
    reason: str
    recipient: Person | None
    round: int
    number: int = 0  # the n-th inquiry or check-in
    final: bool = False
    by_phone: bool = False
    by_letter: bool = False
    occasion: str = ""  # the holiday a holiday note is for
    done: date | None = None  # the day the user recorded it as done
    # Not done, and due before a fact that came after it (their reply, the outcome):
    # the fact, 'Acme answered on Tue 10 Nov'. It stays on its day, no longer due.
    overtaken: str = ""
    # The reader's zone, when a round's own zone sets their clock apart from the user's.
    their_zone: ZoneInfo | None = None
    # "done", "overtaken", or else "past", "today" or "upcoming" relative to the plan's today.
    status: str = "upcoming"

    @lazy  # read a dozen times per item while planning
    def key(self) -> str:
        """The name the CLI uses for this step: 'thank_you', 'follow_up-2', 'check_in-3'."""
        return f"{self.step.value}-{self.number}" if self.number else self.step.value

    @lazy  # asked for several times per item (sorting, state, the event)
    def uid(self) -> str:
        """Stable across runs and edits: interview id, step and recipient, never a date."""
        step, key = self.step, self.key.replace("_", "-")
        if step is Step.DEBRIEF or step is Step.THANK_YOU:
            key = f"r{self.round}.{key}"
        if self.recipient is not None and (step is Step.THANK_YOU or step is Step.CHECK_IN):
            key = f"{key}.{self.recipient.slug}"
        return f"{self.interview.id}.{key}@{UID_DOMAIN}"

    def changed(self, **values: object) -> PlannedFollowup:
        """A copy with ``values`` changed: dataclasses.replace without its cost (a call
        of __init__ and a look at every field), which every item pays for once or twice
        (its status, a done: entry, a move) in a plan of 150,000 items."""
        unknown = values.keys() - _FIELDS
        if unknown:
            raise TypeError(f"PlannedFollowup has no field {', '.join(sorted(unknown))}")
        copy = object.__new__(PlannedFollowup)
        state = copy.__dict__
        state.update(self.__dict__)  # the fields, and what @lazy kept of them
        if not _IDENTITY.isdisjoint(values):
            state.pop("key", None)
            state.pop("uid", None)
        state.update(values)
        return copy

    @property
    def label(self) -> str:
        """Human name of the step as shown in a calendar."""
        if self.step is Step.FOLLOW_UP:
            name = "Final follow-up" if self.final else f"Follow-up {self.number}"
            return f"{name} (call)" if self.by_phone else name
        if self.step is Step.CHECK_IN:
            return f"Check-in {self.number}"
        if self.by_letter and self.step is Step.THANK_YOU:
            return "Thank-you letter"
        return _LABELS[self.step]  # a dict made once: every event's summary asks

    @property
    def sort_key(self) -> tuple[datetime, str, int, int, str]:
        return (
            self.start.astimezone(ZoneInfo("UTC")),
            self.interview.id,
            STEP_ORDER[self.step],
            self.number,
            self.recipient.name if self.recipient else "",
        )


_LABELS = {
    Step.DEBRIEF: "Debrief",
    Step.THANK_YOU: "Thank-you",
    Step.REJECTION_REPLY: "Reply to rejection",
    Step.HOLIDAY_NOTE: "Holiday note",
}
_FIELDS = frozenset(f.name for f in fields(PlannedFollowup))
# What an item's key and UID are made of: a copy that changes one of them makes both anew.
_IDENTITY = frozenset({"interview", "step", "number", "round", "recipient"})
