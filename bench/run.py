"""`make bench`: seconds for load, plan, drafts and export at 100, 1,000 and 5,000 interviews.

The floor is icalendar alone building and serializing the same events (same properties,
same texts, computed beforehand): the part of the work no code of ours can remove.
Printed figures, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import icalendar

from followup_cal import service
from followup_cal.ics import build_calendar, calendar_bytes, description, link, summary
from followup_cal.loader import parse
from followup_cal.state import ExportState

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import synthetic_yaml

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)


def best_of(runs: int, func):
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return min(times), result


def floor_seconds(events) -> float:
    """icalendar by itself: the same events, their texts computed beforehand."""
    prepared = [
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
    stamp = datetime(2026, 11, 23, tzinfo=icalendar.vDatetime.from_ical("20261123T000000Z").tzinfo)

    def build() -> bytes:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//bench//EN")
        cal.add("version", "2.0")
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
        cal.add_missing_timezones(date(2026, 1, 1), date(2028, 12, 31))
        return cal.to_ical()

    seconds, _ = best_of(3, build)
    return seconds


def measure(count: int) -> None:
    text = synthetic_yaml(count)
    t_load, search = best_of(3, lambda: parse("bench.yaml", text))
    t_plan, items = best_of(3, lambda: service.plan(search, TODAY))
    t_drafts, events = best_of(3, lambda: service.draft_events(search, items))
    t_export, _ = best_of(
        3, lambda: calendar_bytes(build_calendar(events, search.me, ExportState(), TODAY))
    )
    total = t_load + t_plan + t_drafts + t_export
    floor = floor_seconds(events)
    print(
        f"{count:>6} interviews {len(items):>7} events | load {t_load:6.3f} s  "
        f"plan {t_plan:6.3f} s  drafts {t_drafts:6.3f} s  export {t_export:6.3f} s | "
        f"total {total:6.3f} s  floor {floor:6.3f} s  ratio {total / floor:4.2f}  "
        f"({1000 * total / len(items):.3f} ms/event)"
    )


def cold_start() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "f.ics"
        example = str(ROOT / "examples/interviews.yaml")
        command = [sys.executable, "-m", "followup_cal", "export", example]
        command += ["-o", str(out), "--no-state", "--today", "2026-11-23"]
        times = []
        for _ in range(7):
            began = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - began)
    print(
        f"cold start: followup-cal export examples/interviews.yaml: best {min(times):.3f} s, "
        f"median {statistics.median(times):.3f} s (target < 0.3 s)"
    )


def main() -> None:
    # As in the CLI (cli.main): no cyclic GC. The floor runs under the same setting.
    gc.disable()
    print("followup-cal benchmark (best of 3 per stage; floor: icalendar alone, same events)")
    for count in (100, 1000, 5000):
        measure(count)
    cold_start()


if __name__ == "__main__":
    main()
