"""The icalendar floor of the scale run: build and serialise the bare events in a pickle.

``--prepare FILE.yaml OUT.pickle TODAY`` writes that pickle.

Same properties and texts as an export (computed beforehand by bench/scale.py), so
what is left is icalendar's own work plus start-up: what no code of ours can remove.
"""

from __future__ import annotations

import pickle
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar


def build(prepared: list[tuple]) -> bytes:
    stamp = datetime(2026, 11, 23, tzinfo=ZoneInfo("UTC"))
    cal = icalendar.Calendar()
    cal.add("prodid", "-//bench//EN")
    cal.add("version", "2.0")
    days = []
    for uid, summ, start, end, desc, url, step, company in prepared:
        ev = icalendar.Event()
        ev.add("uid", uid)
        ev.add("summary", summ)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("description", desc)
        if url:
            ev.add("url", url)
        ev.add("categories", ["followup-cal", step, company])
        ev.add("transp", "TRANSPARENT")
        ev.add("class", "PRIVATE")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summ)
        alarm.add("trigger", timedelta(0))
        ev.add_component(alarm)
        ev.add("dtstamp", stamp)
        ev.add("sequence", 0)
        cal.add_component(ev)
        days.append(start.date())
    if days:
        first, last = date(min(days).year, 1, 1), date(max(days).year, 12, 31)
        cal.add_missing_timezones(first, last)
    return cal.to_ical()


def bare_events(events: list) -> list[tuple]:
    """The events' texts as an export computes them: what :func:`build` takes."""
    from followup_cal.calendar.ics import description, link, summary

    return [
        (
            e.item.uid,
            summary(e.item),
            e.item.start,
            e.item.start + e.item.duration,
            description(e),
            link(e),
            e.item.step.value,
            e.item.interview.company,
        )
        for e in events
    ]


def prepare(yaml_path: str, out: str, today: str) -> None:
    """The bare events of YAML_PATH, pickled for :func:`build`."""
    from followup_cal import service
    from followup_cal.loader import load

    search = load(yaml_path)
    events = service.draft_events(search, service.plan(search, date.fromisoformat(today)))
    Path(out).write_bytes(pickle.dumps(bare_events(events)))


if __name__ == "__main__":
    if sys.argv[1] == "--prepare":
        prepare(*sys.argv[2:5])
    else:
        build(pickle.loads(Path(sys.argv[1]).read_bytes()))
