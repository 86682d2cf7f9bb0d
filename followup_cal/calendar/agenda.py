"""What is due: overdue, today and the next days, not yet done. Pure: no I/O, no clock."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from followup_cal.calendar.ics import FollowupEvent
from followup_cal.columns import cells, pad
from followup_cal.plan.followups import PlannedFollowup, Step, fmt_day

if TYPE_CHECKING:
    from followup_cal.plan.drafts import Draft

SECTIONS = ("sent", "overdue", "today", "upcoming")
SECTION_OF_STATUS = {"past": "overdue", "today": "today", "upcoming": "upcoming"}
TITLES = {
    "sent": "Sent, found by inbox; not recorded yet",
    "overdue": "Overdue",
    "today": "Today",
    "upcoming": "Coming up",
}
# The sections of steps still to send (a step found sent waits only to be recorded).
DUE = ("overdue", "today")


@dataclass(frozen=True)
class AgendaRow:
    item: PlannedFollowup
    # Drafts the item when the row is shown, and keeps nothing: a coach's agenda may list
    # 60,000 overdue rows, and each draft is read once, for its line.
    render: Callable[[PlannedFollowup], FollowupEvent]
    start: datetime  # in the user's zone
    section: str  # "sent", "overdue", "today" or "upcoming"
    days_late: int
    file_args: tuple[str, ...] = ()  # what `done` needs to find the file, e.g. ("-f", PATH)
    sent_on: date | None = None  # the day inbox found it in the Sent folder

    @property
    def draft(self) -> Draft:
        return self.render(self.item).draft

    @property
    def late_text(self) -> str:
        if self.sent_on:
            return f"sent {fmt_day(self.sent_on)}"
        if not self.days_late:
            return ""
        return f"by {self.days_late} day{'s' * (self.days_late != 1)}"

    @property
    def recipient(self) -> str:
        person = self.item.recipient
        return person.name if person else "(me)"

    @property
    def done_command(self) -> str:
        """The exact command that records this row as done."""
        item = self.item
        words = ["followup-cal", "done", item.interview.id, item.key]
        if self.sent_on:
            words += ["--on", self.sent_on.isoformat()]
        if item.step in (Step.THANK_YOU, Step.CHECK_IN) and item.recipient:
            words += ["--to", item.recipient.name]
        if item.step in (Step.DEBRIEF, Step.THANK_YOU) and len(item.interview.rounds) > 1:
            words += ["--round", str(item.round)]
        return shlex.join([*words, *self.file_args])

    def as_json(self) -> dict[str, Any]:
        item, draft = self.item, self.draft
        return {
            "section": self.section,
            "days_overdue": self.days_late,
            "sent_on": self.sent_on.isoformat() if self.sent_on else None,
            "date": self.start.date().isoformat(),
            "start": self.start.isoformat(),
            "interview": item.interview.id,
            "company": item.interview.company,
            "step": item.step.value,
            "key": item.key,
            "round": item.round,
            "recipient": item.recipient.name if item.recipient else None,
            "email": item.recipient.email if item.recipient and item.recipient.email else None,
            "subject": draft.subject,
            "needs_input": bool(draft.gaps),
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
    found_sent: Mapping[str, date] | None = None,
) -> Agenda:
    """Open items up to ``today + days``, every overdue one included, by time.
    ``render`` drafts an item; only the rows shown are drafted. ``file_args`` go into
    each row's `done` command so that it runs as printed. ``found_sent`` (step UID ->
    day), what the last inbox run found in the Sent folder: those are listed as sent,
    waiting to be recorded, not as overdue."""
    found_sent = found_sent or {}
    last = today + timedelta(days=days)
    shown, later = [], []
    for item in items:
        start = item.start.astimezone(zone)
        if item.done or item.overtaken:  # sent, or a later fact made it no longer due
            continue
        (shown if start.date() <= last else later).append((start, item))

    def row(start: datetime, item: PlannedFollowup) -> AgendaRow:
        section = SECTION_OF_STATUS[item.status]  # the planner dated it against today
        late = max((today - start.date()).days, 0)
        sent_on = found_sent.get(item.uid)
        if sent_on:
            section, late = "sent", 0
        return AgendaRow(item, render, start, section, late, tuple(file_args), sent_on)

    shown.sort(key=lambda pair: (pair[0], pair[1].sort_key))
    following = min(later, key=lambda pair: (pair[0], pair[1].sort_key), default=None)
    return Agenda(
        today,
        days,
        tuple(row(*pair) for pair in shown),
        row(*following) if following else None,
    )


def json_pieces(rows: Sequence[AgendaRow]) -> Iterator[str]:
    """``json.dumps([row.as_json() ...], indent=2)`` in pieces, one row at a time, so that
    each row's draft is let go once it is written."""
    if not rows:
        yield "[]"
        return
    for n, row in enumerate(rows):
        # A row's values are all scalars, each written by json's C encoder: json.dumps with
        # an indent builds reference cycles that, with the collector off, stay for good.
        fields = ",\n".join(
            f"    {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
            for key, value in row.as_json().items()
        )
        yield ("[\n" if n == 0 else ",\n") + "  {\n" + fields + "\n  }"
    yield "\n]"


def _columns(row: AgendaRow) -> list[str]:
    """The aligned columns of a row; the draft's subject follows them, unaligned."""
    item = row.item
    return [
        f"{fmt_day(row.start.date())} {row.start:%H:%M}",
        row.late_text,
        item.interview.id,
        item.key,
        row.recipient,
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
    widths = [max((cells(row[i]) for row in table), default=0) for i in range(5)]
    del table
    for name in SECTIONS:
        rows = agenda.section(name)
        if not rows:
            continue
        lines += ["", paint(f"{TITLES[name]} ({len(rows)})", name)]
        for row in rows:
            text = "  ".join(pad(c, w) for c, w in zip(_columns(row), widths, strict=True))
            draft = row.draft
            subject = draft.subject + (NEEDS_INPUT if draft.gaps else "")
            lines.append("  " + paint(text, row.section) + "  " + subject)
    if not agenda.rows:
        lines += ["", f"Nothing is due in {window}."]
    if agenda.next_row:
        nxt = agenda.next_row
        item = nxt.item
        # A note to yourself (the debrief) has no one to send it to: no arrow in prose.
        to = f" → {item.recipient.name}" if item.recipient else " (yours to write)"
        lines += [
            "",
            f"Next after that: {fmt_day(nxt.start.date())} — {item.label}{to}, "
            f"{item.interview.company}",
        ]
    found = agenda.section("sent")
    due = [r for r in agenda.rows if r.section in DUE]
    if found:
        lines += ["", f"Found sent: record it: {found[0].done_command}"]
    elif due:  # a step days away is not one to record as sent
        lines += ["", f"Sent one? Record it: {due[0].done_command}"]
    return lines
