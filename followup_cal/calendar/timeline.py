"""The whole search as one self-contained HTML page (``followup-cal plan --html``).

One row per interview, each follow-up a mark on a shared time axis, coloured by state;
a click on a mark opens its draft. No script and nothing fetched: the drafts open with
CSS ``:target``, so the page works from a file, offline, in any browser. Pure: the same
plan and today give the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from followup_cal.calendar.ics import FollowupEvent, summary
from followup_cal.plan.followups import fmt_clock, fmt_date, fmt_day, their_time
from followup_cal.plan.model import Interview

STATES = ("done", "due", "overdue", "planned", "overtaken", "cancelled")
STATE_TEXT = {
    "done": "done",
    "due": "due today",
    "overdue": "overdue",
    "planned": "planned",
    "overtaken": "no longer due",
    "cancelled": "cancelled",
}
# Colours that stay apart for the common colour-vision deficiencies; each state also
# has its own shape, so colour is never the only cue.
COLOURS = {
    "done": "#1b7f3b",
    "due": "#e69f00",
    "overdue": "#c0392b",
    "planned": "#0072b2",
    "overtaken": "#8a8a8a",
    "cancelled": "#8a8a8a",
}


class Mark:
    """A follow-up on the page. A plain class with slots: one per follow-up of the whole
    search, and a frozen dataclass took three times as long to make."""

    __slots__ = ("cancelled_why", "event", "start", "state")

    def __init__(
        self, event: FollowupEvent, state: str, start: datetime, cancelled_why: str = ""
    ) -> None:
        self.event = event
        self.state = state
        self.start = start  # in the user's zone
        self.cancelled_why = cancelled_why

    @property
    def day(self) -> date:
        return self.start.date()


# The planner's status of an item (against today), as the page names it.
STATE_OF_STATUS = {
    "done": "done",
    "today": "due",
    "past": "overdue",
    "upcoming": "planned",
    "overtaken": "overtaken",
}


def _outcome_text(interview: Interview) -> str:
    if interview.outcome:
        return f"{interview.outcome.result.value} on {fmt_date(interview.outcome.on)}"
    if interview.heard_back:
        return f"heard back on {fmt_date(interview.heard_back)}"
    if not interview.held_rounds:
        return "round cancelled" if len(interview.rounds) == 1 else "every round cancelled"
    return "waiting"


CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; }
body { margin: 0; padding: 24px 32px 64px; background: #fafafa; min-width: 900px; }
h1 { font-size: 22px; margin: 0 0 4px; }
.sub { color: #555; margin: 0 0 16px; }
.legend { display: flex; gap: 18px; margin: 0 0 18px; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 6px; font-size: 14px; }
.grid { display: grid; grid-template-columns: 260px 1fr; border-top: 1px solid #ddd; }
.label, .track { border-bottom: 1px solid #ddd; min-height: 64px; }
.label { padding: 10px 12px 10px 0; font-size: 14px; }
.label b { display: block; font-size: 15px; }
.label span { color: #666; }
.track { position: relative; background: #fff; }
.axis { position: relative; height: 28px; }
.tick { position: absolute; top: 6px; font-size: 12px; color: #666;
        border-left: 1px solid #ccc; padding-left: 4px; height: 22px; }
.today { position: absolute; top: 0; bottom: 0; border-left: 2px dashed #e69f00; z-index: 1; }
.mark { position: absolute; width: 14px; height: 14px; margin-left: -7px; display: block;
        border: 2px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,.25); z-index: 2; }
.mark:hover, .mark:focus { transform: scale(1.5); z-index: 3; outline: none; }
.s-done { background: #1b7f3b; border-radius: 50%; }
.s-due { background: #e69f00; transform: rotate(45deg); }
.s-overdue { background: #c0392b; }
.s-planned { background: #0072b2; border-radius: 50%; }
.s-overtaken { background: #fff; box-shadow: 0 0 0 2px #8a8a8a; border-radius: 50%; }
.s-cancelled { background: #8a8a8a; opacity: .6; border-radius: 3px; }
.swatch { position: static; margin: 0; display: inline-block; }
.draft { display: none; position: fixed; right: 24px; top: 24px; bottom: 24px; width: 520px;
         overflow: auto; background: #fffdf5; border: 1px solid #d8cfa8; border-radius: 8px;
         padding: 18px 22px; box-shadow: 0 8px 30px rgba(0,0,0,.18); z-index: 10; }
.draft:target { display: block; }
.draft h2 { font-size: 17px; margin: 0 32px 6px 0; }
.draft .close { position: absolute; right: 16px; top: 12px; font-size: 22px;
                text-decoration: none; color: #555; }
.draft dl { display: grid; grid-template-columns: 80px 1fr; gap: 4px 8px; font-size: 14px; }
.draft dt { color: #666; }
.draft pre { white-space: pre-wrap; font: 14px/1.45 ui-monospace, Menlo, monospace;
             background: #fff; border: 1px solid #eee; padding: 12px; }
.why { font-size: 13px; color: #555; }
"""


def _axis(first: date, last: date, span: int) -> list[str]:
    ticks = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            left = (month - first).days / span * 100
            ticks.append(f'<div class="tick" style="left:{left:.3f}%">{month:%b %Y}</div>')
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def render_timeline(
    marks: Sequence[Mark], interviews: Sequence[Interview], zone: ZoneInfo, today: date, title: str
) -> str:
    """The page as text."""
    return b"".join(timeline_chunks(marks, interviews, zone, today, title)).decode()


def timeline_chunks(
    marks: Sequence[Mark], interviews: Sequence[Interview], zone: ZoneInfo, today: date, title: str
) -> Iterator[bytes]:
    """The page in UTF-8, in pieces as they are made: a search of 10,000 interviews is a
    page of hundreds of MB, and each draft is made (``mark.event.draft``) only for its
    panel."""
    days = [m.day for m in marks] + [today]
    first = min(days) - timedelta(days=3)
    last = max(days) + timedelta(days=3)
    span = max((last - first).days, 1)

    def left(day: date) -> float:
        return (day - first).days / span * 100

    counted = Counter(m.state for m in marks)
    counts = {state: counted[state] for state in STATES}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{len(interviews)} interviews, {len(marks) - counts["cancelled"]} '
        f"follow-ups and {counts['cancelled']} cancelled, as of "
        f"{escape(fmt_date(today))}; times in {escape(zone.key)}. Click a mark to read its "
        "draft.</p>",
        '<ul class="legend">',
    ]
    for state in STATES:
        out.append(
            f'<li><span class="mark swatch s-{state}"></span>{STATE_TEXT[state]} '
            f"({counts[state]})</li>"
        )
    out += ["</ul>", '<div class="grid">', "<div></div>", '<div class="axis">']
    out += _axis(first, last, span)
    out += ["</div>"]
    yield "\n".join(out).encode()
    out = []
    number = 0
    by_interview: dict[str, list[Mark]] = {}
    for mark in marks:
        by_interview.setdefault(mark.event.item.interview.id, []).append(mark)
    # A few hundred days for 150,000 marks: each day's place and name are written once.
    places: dict[date, tuple[float, str, str]] = {}
    today_at = f"{left(today):.3f}"
    for interview in interviews:
        out.append(
            f'<div class="label" id="i-{escape(interview.id)}"><b>{escape(interview.company)}'
            f"</b>{escape(interview.role)}<br><span>{escape(_outcome_text(interview))}"
            "</span></div>"
        )
        out.append(f'<div class="track"><div class="today" style="left:{today_at}%"></div>')
        rows: list[list[float]] = []  # the marks placed on each level, by position
        for mark in by_interview.get(interview.id, ()):
            number += 1
            day = mark.start.date()
            place = places.get(day)
            if place is None:
                x = left(day)
                place = places[day] = (x, f"{x:.3f}", fmt_day(day))
            x, at, short = place
            # Marks closer than their own width go on the next level down.
            level = 0
            for row in rows:
                for y in row:
                    if abs(x - y) <= 1.2:
                        break
                else:
                    break  # none too close: this level
                level += 1
            if level == len(rows):
                rows.append([])
            rows[level].append(x)
            # The day and the state are plain words: only the summary needs escaping.
            name = f"{_escape(summary(mark.event.item))} — {short}, {STATE_TEXT[mark.state]}"
            out.append(
                f'<a class="mark s-{mark.state}" href="#d-{number}" title="{name}" '
                f'aria-label="{name}" style="left:{at}%;top:{8 + 16 * level}px"></a>'
            )
        out.append("</div>")
        yield ("\n" + "\n".join(out)).encode()
        out = []
    yield b"\n</div>"
    # The panels, numbered in the order of their marks above.
    # An interview's panels as one piece: a write per panel cost more than the panel.
    number = 0
    dates = {day: fmt_date(day) for day in places}
    for interview in interviews:
        panels = []
        for mark in by_interview.get(interview.id, []):
            number += 1
            panels += _draft_panel(number, mark, dates[mark.start.date()])
        if panels:
            yield b"".join(panels)
    yield b"\n</body></html>\n"


def _escape(text: str) -> str:
    """html.escape, at once when there is nothing to escape: nearly every text of a page
    of 150,000 panels, where five membership tests cost a fraction of escape's five
    replacements that find nothing. (A recipient's 'Name <address>' goes to escape.)"""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return escape(text)
    return text


def _draft_panel(number: int, mark: Mark, on: str) -> tuple[bytes, bytes, bytes]:
    """The panel in UTF-8, in three parts. ``on``: the mark's day as fmt_date writes it.

    The summary ('Thank-you → Dana Lee') is encoded apart from the rest: Python keeps a
    text with one character past U+00FF, such as its arrow, at two bytes a character, and
    the whole panel with it would be widened, then encoded a character at a time."""
    # Each text escaped once: a large search has 150,000 panels. The labels, the states
    # (STATES), days and clocks are plain words and figures that escape leaves as they are.
    item, draft = mark.event.item, mark.event.draft
    there = their_time(item)
    when = f"{on} {fmt_clock(mark.start)}{escape(there) if there else ''}"
    to = "" if draft.recipient is None else f"<dt>To</dt><dd>{escape(draft.to_header)}</dd>"
    return (
        (
            f'\n<section class="draft" id="d-{number}" aria-label="draft">'
            '<a class="close" href="#" aria-label="close">&times;</a><h2>'
        ).encode(),
        _escape(summary(item)).encode(),
        (
            f"</h2><dl><dt>When</dt><dd>{when}</dd><dt>State</dt><dd>{mark.state}</dd>{to}"
            f"<dt>Subject</dt><dd>{_escape(draft.subject)}</dd>"
            f"</dl><pre>{_escape(draft.body.rstrip())}</pre>"
            f'<p class="why">Why this date: {_escape(mark.cancelled_why or item.reason)}.</p>'
            "</section>"
        ).encode(),
    )
