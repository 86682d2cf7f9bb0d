"""What the user did in their calendar, as facts for the YAML. Pure: no I/O, no clock.

sync reads its events back and tells, per event, what the user changed since it was
written (``CalendarChange``). Each change to a step the file still plans becomes the
fact a journal command would have written: a task ticked complete is ``done`` (dated
from COMPLETED, in the user's zone), an event moved is ``moved`` (its new day, and hour
when that changed too), an event deleted is ``skipped``. When the file changed the same
step since the last sync (moved it, recorded it done, or stopped planning it), the file
wins: no fact, and the conflict is reported. A deleted step stays deleted when the file
only gave it another date: the user did not want it, whatever its day. What the file
already says (a second sync, a write that failed last time) is never recorded again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from followup_cal.columns import one_line
from followup_cal.plan.followups import PlannedFollowup, fmt_day

# The kinds of change that become facts, the first one found deciding.
PULLED = ("completed", "uncompleted", "cancelled", "moved", "deleted")


@dataclass(frozen=True)
class CalendarChange:
    """One of our events as the user left it, compared with what sync last wrote."""

    uid: str
    kinds: tuple[str, ...]  # any of "deleted", "moved", "completed", "uncompleted",
    # "cancelled", "edited"
    start: datetime | date | None = None  # DTSTART now (a task's DUE when it has no start)
    completed: datetime | date | None = None  # COMPLETED now
    file_changed: bool = False  # the file moved the step or recorded it since it was written
    due: datetime | date | None = None  # a task's DUE, when it moved and its start did not
    ticked: date | None = None  # the done: an earlier sync recorded from this task's tick
    # Rebuilt without our marks, and no cache says what this machine wrote: its start is
    # compared with the file's plan now, which the file may have changed since.
    unmarked: bool = False


@dataclass(frozen=True)
class CalendarFact:
    """A line for the YAML: ``kind`` is done, moved or skipped; ``undone`` takes a
    done: line out."""

    kind: str
    item: PlannedFollowup
    on: date
    at: time | None = None  # moved to another hour
    cancelled: bool = False  # skipped because the user cancelled it (not deleted)
    seen: date | None = None  # skipped: the day the deletion was seen, when not ``on``

    def describe(self) -> str:
        who = f" → {self.item.recipient.name}" if self.item.recipient else ""
        what = f"{self.item.label}{who} · {self.item.interview.company}"
        when = f"{fmt_day(self.on)}{f' {self.at:%H:%M}' if self.at else ''}"
        if self.kind == "undone":
            return f"done: {what} on {when} taken out: un-ticked in your calendar"
        verb = {"done": "done on", "moved": "moved to", "skipped": "deleted on"}[self.kind]
        verb = "cancelled on" if self.cancelled else verb
        if self.seen is not None and self.seen != self.on:
            # A round still ahead: the journal dates it on that round's day.
            return (f"{self.kind}: {what}, {verb} {fmt_day(self.seen)} (recorded as of "
                    f"{when}, the day of its interview)")  # fmt: skip
        return f"{self.kind}: {what}, {verb} {when}"


@dataclass
class Pulled:
    facts: list[CalendarFact] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # one line each: the file won
    # UIDs whose change is now in the file or overruled by it: sync may write them over.
    settled: set[str] = field(default_factory=set)
    # UIDs whose change the file now agrees with: the user's version stays as saved.
    # The value: the day of a tick recorded as done (YYYYMMDD), or "".
    agreed: dict[str, str] = field(default_factory=dict)
    # Facts the file does not allow, one line each with the reason: not recorded.
    refused: list[str] = field(default_factory=list)


def _local(value: datetime | date, zone: ZoneInfo) -> tuple[date, time | None]:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating: already the wall-clock time
            return value.date(), value.time()
        local = value.astimezone(zone)
        return local.date(), local.time()
    return value, None  # an all-day event: the day only


def pull(
    items: Sequence[PlannedFollowup],
    changes: Sequence[CalendarChange],
    zone: ZoneInfo,
    today: date,
    *,
    force: bool = False,
) -> Pulled:
    """The facts to record, the conflicts to report, and the changes they settle.
    With ``force`` (the file's version goes back on every event) a move that is not
    known to be the user's is not proposed: the user has chosen the file's date."""
    planned = {i.uid: i for i in items}
    result = Pulled()
    for change in sorted(changes, key=lambda c: c.uid):
        kinds = [k for k in PULLED if k in change.kinds]
        item = planned.get(change.uid)
        if not kinds:
            if item is not None and not change.file_changed:
                result.agreed[change.uid] = ""  # only the user's words: they stay theirs
            continue
        kind = kinds[0]  # completed before moved: a ticked task moves to its day anyway
        conflict = ""
        fact = None
        if item is None:
            if kind != "deleted":
                conflict = "the file no longer plans it"
        elif item.done is not None:
            if kind == "uncompleted" and change.ticked == item.done:
                fact = CalendarFact("undone", item, item.done)  # the calendar's own done:
            elif kind != "completed":
                conflict = f"the file has it done on {fmt_day(item.done)}"
        else:
            fact = _fact(kind, change, item, zone, today)
            if fact is not None and change.file_changed and kind not in ("deleted", "cancelled"):
                conflict, fact = "the file changed it too", None
            elif fact is not None and fact.kind == "moved" and change.unmarked:
                # Its date may be the one sync wrote before the file re-dated the step:
                # not known to be the user's move. Proposed; the event is left as it is.
                if not force:
                    result.refused.append(_unsure_move(change.uid, fact))
                continue
        if fact is not None:
            result.facts.append(fact)
        if conflict:
            what = one_line(change.uid, 100) if item is None else f"{item.interview.id} {item.key}"
            said, then = kind, ""
            if kind == "uncompleted":
                said = "un-ticked"
                if item is not None and item.done is not None:
                    # A done: typed in the file: what sync does, and how to reopen it.
                    then = ": it is ticked again there (to reopen it, take its done: line out)"
            result.conflicts.append(
                f"conflict: {what} was {said} in your calendar, but {conflict}; the file wins{then}"
            )
        if conflict or kind == "deleted":
            result.settled.add(change.uid)  # gone, or the file's version goes back
        else:
            # A tick recorded now is marked so that un-ticking it takes it back; a done:
            # the user typed is never taken back by the calendar.
            ticked = fact is not None and fact.kind == "done"
            result.agreed[change.uid] = f"{fact.on:%Y%m%d}" if fact and ticked else ""
    return result


def _unsure_move(uid: str, fact: CalendarFact) -> str:
    return (
        f"not recorded: {fact.describe()}? {uid} was rebuilt without followup-cal's marks "
        "(Outlook does so), and no sync cache on this machine says where sync last put it, "
        "so whether you moved it or the file changed its date since is not known; the event "
        "is left as it is in your calendar: if you moved it, add the move to the file's "
        "moved: list; if not, sync --force puts the file's date back"
    )


def _fact(
    kind: str, change: CalendarChange, item: PlannedFollowup, zone: ZoneInfo, today: date
) -> CalendarFact | None:
    """The fact the change means for a step planned and not done, or None when the file
    says it already."""
    if kind == "completed":
        on = _local(change.completed, zone)[0] if change.completed else today
        return CalendarFact("done", item, min(on, today))
    if kind in ("deleted", "cancelled"):
        # Dated the day it was seen, but never before the first interview: a step of a
        # round still ahead, deleted now, is skipped as of that interview's day (the
        # journal takes no fact about an interview before it is held).
        first = item.interview.rounds[0].start.date()
        on, cancelled = max(today, first), kind == "cancelled"
        return CalendarFact("skipped", item, on, cancelled=cancelled, seen=today)
    if kind == "uncompleted":
        return None  # not done in the file: nothing to take back
    start = change.start
    if change.due is not None:
        # Task apps show the due time: the step moves with it, as long as it was.
        due = change.due
        start = due - item.duration if isinstance(due, datetime) else due
    if start is None:
        return None
    day, hour = _local(start, zone)
    if hour is not None:
        hour = hour.replace(second=0, microsecond=0)  # Tasks.org marks a due time with :01
    planned = item.start.astimezone(zone)
    if (day, hour or planned.time()) == (planned.date(), planned.time()):
        return None  # the file has it there already
    return CalendarFact("moved", item, day, hour if hour != planned.time() else None)
