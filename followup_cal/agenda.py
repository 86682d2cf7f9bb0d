"""What is due: overdue, today and the next days, not yet done. Pure: no I/O, no clock."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup_cal.followups import PENDING_STEPS, PlannedFollowup, Step, fmt_day
from followup_cal.ics import FollowupEvent

SECTIONS = ("overdue", "today", "upcoming")
SECTION_OF_STATUS = {"past": "overdue", "today": "today", "upcoming": "upcoming"}
TITLES = {"overdue": "Overdue", "today": "Today", "upcoming": "Coming up"}


@dataclass(frozen=True)
class AgendaRow:
    event: FollowupEvent
    start: datetime  # in the user's zone
    section: str  # "overdue", "today" or "upcoming"
    days_late: int
    file_args: tuple[str, ...] = ()  # what `done` needs to find the file, e.g. ("-f", PATH)

    @property
    def late_text(self) -> str:
        if not self.days_late:
            return ""
        return f"by {self.days_late} day{'s' * (self.days_late != 1)}"

    @property
    def recipient(self) -> str:
        person = self.event.item.recipient
        return person.name if person else "(me)"

    @property
    def done_command(self) -> str:
        """The exact command that records this row as done."""
        item = self.event.item
        words = ["followup-cal", "done", item.interview.id, item.key]
        if item.step in (Step.THANK_YOU, Step.CHECK_IN) and item.recipient:
            words += ["--to", item.recipient.name]
        if item.step in (Step.DEBRIEF, Step.THANK_YOU) and len(item.interview.rounds) > 1:
            words += ["--round", str(item.round)]
        return shlex.join([*words, *self.file_args])

    def as_json(self) -> dict[str, Any]:
        item = self.event.item
        return {
            "section": self.section,
            "days_overdue": self.days_late,
            "date": self.start.date().isoformat(),
            "start": self.start.isoformat(),
            "interview": item.interview.id,
            "company": item.interview.company,
            "step": item.step.value,
            "key": item.key,
            "round": item.round,
            "recipient": item.recipient.name if item.recipient else None,
            "email": item.recipient.email if item.recipient and item.recipient.email else None,
            "subject": self.event.draft.subject,
            "needs_input": bool(self.event.draft.gaps),
            "uid": item.uid,
            "done_command": self.done_command,
        }


@dataclass(frozen=True)
class Agenda:
    today: date
    days: int
    rows: tuple[AgendaRow, ...]
    next_row: AgendaRow | None  # the first open item after the window, if any

    def section(self, name: str) -> list[AgendaRow]:
        return [r for r in self.rows if r.section == name]


def build_agenda(
    items: Sequence[PlannedFollowup],
    render: Callable[[PlannedFollowup], FollowupEvent],
    zone: ZoneInfo,
    today: date,
    days: int,
    file_args: Sequence[str] = (),
) -> Agenda:
    """Open items up to ``today + days``, every overdue one included, by time.
    ``render`` drafts an item; only the rows shown are drafted. ``file_args`` go into
    each row's `done` command so that it runs as printed."""
    last = today + timedelta(days=days)
    shown, later = [], []
    for item in items:
        start = item.start.astimezone(zone)
        if item.done or _answered_before_sent(item, start.date()):
            continue
        (shown if start.date() <= last else later).append((start, item))

    def row(start: datetime, item: PlannedFollowup) -> AgendaRow:
        section = SECTION_OF_STATUS[item.status]  # the planner dated it against today
        late = max((today - start.date()).days, 0)
        return AgendaRow(render(item), start, section, late, tuple(file_args))

    shown.sort(key=lambda pair: (pair[0], pair[1].sort_key))
    following = min(later, key=lambda pair: (pair[0], pair[1].sort_key), default=None)
    return Agenda(
        today,
        days,
        tuple(row(*pair) for pair in shown),
        row(*following) if following else None,
    )


def _answered_before_sent(item: PlannedFollowup, day: date) -> bool:
    """An inquiry, note or check-in that was due on or before the day they answered (or
    decided) and was never recorded as sent: sending it now would ask after their answer.
    The plan keeps it as history; only the to-do list drops it."""
    if item.step not in PENDING_STEPS:
        return False
    interview = item.interview
    answers = [d for d in (interview.heard_back, interview.outcome and interview.outcome.on) if d]
    return bool(answers) and day <= max(answers)


def _columns(row: AgendaRow) -> list[str]:
    item = row.event.item
    return [
        f"{fmt_day(row.start.date())} {row.start:%H:%M}",
        row.late_text,
        item.interview.id,
        item.key,
        row.recipient,
        row.event.draft.subject + (NEEDS_INPUT if row.event.draft.gaps else ""),
    ]


# A draft with a gap for the user's own words (a check-in's article or news).
NEEDS_INPUT = "  (needs your input)"

COLOURS = {"overdue": {"fg": "red", "bold": True}, "today": {"fg": "yellow", "bold": True}}


def agenda_lines(agenda: Agenda, zone: ZoneInfo, style: Any = None) -> list[str]:
    """The agenda as aligned text lines; ``style(text, section)`` may colour them."""

    def paint(text: str, section: str) -> str:
        return style(text, section) if style else text

    window = f"the next {agenda.days} day{'s' * (agenda.days != 1)}"
    lines = [f"Agenda for {fmt_day(agenda.today)} {agenda.today.year} and {window} ({zone.key})"]
    table = [_columns(r) for r in agenda.rows]
    widths = [max((len(row[i]) for row in table), default=0) for i in range(6)]
    for name in SECTIONS:
        rows = agenda.section(name)
        if not rows:
            continue
        lines += ["", paint(f"{TITLES[name]} ({len(rows)})", name)]
        for row in rows:
            cells = _columns(row)
            text = "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=False))
            lines.append("  " + paint(text, row.section) + "  " + cells[-1])
    if not agenda.rows:
        lines += ["", f"Nothing is due in {window}."]
    if agenda.next_row:
        nxt = agenda.next_row
        item = nxt.event.item
        lines += [
            "",
            f"Next after that: {fmt_day(nxt.start.date())} — {item.label} → {nxt.recipient}, "
            f"{item.interview.company}",
        ]
    if agenda.rows:
        first = agenda.rows[0]
        lines += ["", f"Sent one? Record it: {first.done_command}"]
    return lines
