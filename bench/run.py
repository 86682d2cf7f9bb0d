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
from datetime import date
from pathlib import Path

from followup_cal import service
from followup_cal.calendar.ics import build_calendar, calendar_bytes
from followup_cal.journal.state import ExportState
from followup_cal.loader import parse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import synthetic_yaml
from ical_floor import bare_events, build

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
    prepared = bare_events(events)
    seconds, _ = best_of(3, lambda: build(prepared))
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
