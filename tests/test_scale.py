"""Every stage of every command does work linear in the interviews: counted, not timed.

Each stage runs on a generated search of N and of 8N interviews (bench/generate.py: the
first N interviews of both are the same) while a tracer counts the lines of followup_cal
it executes. Linear work grows about 8x; a scan of every item once per interview grows
about 64x. The bound (10x) leaves room for the sample's spread, not for a quadratic term.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
import ruamel.yaml
from conftest import TODAY
from hypothesis import given, settings
from hypothesis import strategies as st

import followup_cal
from followup_cal import service
from followup_cal.calendar.agenda import build_agenda
from followup_cal.calendar.timeline import STATE_OF_STATUS, Mark, render_timeline
from followup_cal.errors import InvalidInput
from followup_cal.journal.record import done_entry, edited_text, matching_steps
from followup_cal.journal.state import ExportState
from followup_cal.loader import _parse, parse
from followup_cal.loader.chunks import split_interviews
from followup_cal.plan.draft_lint import SCREENS, _may_match

ROOT = Path(__file__).resolve().parent.parent
SMALL, LARGE = 10, 80
PACKAGE = str(Path(followup_cal.__file__).resolve().parent)


def _generator() -> Callable[[int], str]:
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench/generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic_yaml


synthetic_yaml = _generator()


def count_lines(func: Callable[[], Any], package: str = PACKAGE) -> int:
    """How many lines of ``package`` (followup_cal's own code) ``func()`` executes."""
    count = 0

    def local(frame: Any, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def global_(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(package) else None

    sys.settrace(global_)
    try:
        func()
    finally:
        sys.settrace(None)
    return count


class Prepared:
    """One generated search and what each stage takes as input."""

    def __init__(self, size: int) -> None:
        self.text = synthetic_yaml(size)
        self.search = parse("search.yaml", self.text)
        self.items = service.plan(self.search, TODAY)
        self.events = service.draft_events(self.search, self.items)
        zone = self.search.me.timezone
        self.marks = [
            Mark(e, STATE_OF_STATUS[e.item.status], e.item.start.astimezone(zone))
            for e in self.events
        ]
        self.target = self.search.interviews[3]


STAGES: dict[str, Callable[[Prepared], Any]] = {
    "parse": lambda p: parse("search.yaml", p.text),
    "plan": lambda p: service.plan(p.search, TODAY),
    "draft_events": lambda p: service.draft_events(p.search, p.items),
    "lint": lambda p: service.lint(p.events),
    "unmatched_done": lambda p: service.unmatched_done(p.search, p.items),
    "cancelled": lambda p: service.cancelled(p.search, p.items, TODAY),
    "render_timeline": lambda p: render_timeline(
        p.marks, p.search.interviews, p.search.me.timezone, TODAY, "t"
    ),
    "timeline_html": lambda p: service.timeline_html(p.search, TODAY),
    "agenda": lambda p: build_agenda(
        p.items, service.drafter(p.search), p.search.me.timezone, TODAY, 7
    ),
    "export": lambda p: service.export_ics(p.search, TODAY, ExportState()),
    "find_event": lambda p: service.find_event(p.events, p.target.id, "debrief", None, 1),
    "matching_steps": lambda p: matching_steps(p.items, p.target, "debrief", None, None),
}


@pytest.fixture(scope="module")
def sizes() -> tuple[Prepared, Prepared]:
    return Prepared(SMALL), Prepared(LARGE)


@pytest.mark.parametrize("stage", STAGES)
def test_work_grows_linearly(stage: str, sizes: tuple[Prepared, Prepared]) -> None:
    small, large = sizes
    run = STAGES[stage]
    work_small = count_lines(lambda: run(small))
    work_large = count_lines(lambda: run(large))
    ratio = work_large / work_small
    # 8x the interviews (and 8x +- the sample's spread in events): linear is 5.5-8.5 here.
    assert ratio < 1.25 * LARGE / SMALL, (
        f"{stage}: {work_small} -> {work_large} lines ({ratio:.1f}x)"
    )


def test_recording_a_fact_edits_only_that_interview(sizes: tuple[Prepared, Prepared]) -> None:
    """ruamel.yaml (the costly round-trip loader) sees the one interview, whatever the
    file's size; the rest of the text is kept byte for byte."""
    ruamel_dir = str(Path(ruamel.yaml.__file__).resolve().parent)
    work = []
    for p in sizes:
        item = matching_steps(p.items, p.target, "debrief", None, 1)[0]

        def edit(_search: Any, doc: Any, item: Any = item) -> None:
            node = doc.interview(item.interview.id)
            doc.append_item(node, "done", done_entry(item, TODAY), one_line=True)

        work.append(
            count_lines(
                lambda p=p, edit=edit: edited_text(p.search, p.text, edit, p.target.id), ruamel_dir
            )
        )
        new = edited_text(p.search, p.text, edit, p.target.id).splitlines(keepends=True)
        added = [n for n, line in enumerate(new) if f"date: {TODAY}}}" in line]
        assert len(added) == 1
        assert new[: added[0]] + new[added[0] + 1 :] == p.text.splitlines(keepends=True)
    small, large = work
    assert large < 1.2 * small, f"ruamel ran {small} lines at {SMALL}, {large} at {LARGE}"


@pytest.mark.parametrize("pattern", list(SCREENS), ids=["salary", "pushy", "placeholder"])
@given(data=st.data())
@settings(max_examples=200, deadline=None)
def test_the_lint_screen_lets_every_match_through(pattern: re.Pattern[str], data: Any) -> None:
    """The substring screen that spares most drafts the regexes never hides a match."""
    text = data.draw(st.from_regex(pattern, alphabet=st.characters(codec="ascii")))
    assert pattern.search(text)
    assert _may_match(pattern, text.lower())


def _problems(path: Path, chunked: bool) -> list[str]:
    try:
        _parse(str(path), path.read_text("utf-8"), chunked=chunked)
    except InvalidInput as exc:
        return [p.message + f"@{p.line}:{p.column}" for p in exc.problems]
    return []


@pytest.mark.parametrize("size", [1, 80])
def test_a_large_file_read_one_interview_at_a_time_reads_the_same(size: int) -> None:
    """Above 1 MB the loader composes each interview alone (memory); every value and
    every position (those that compare=False hides too) is as when composed whole."""
    text = synthetic_yaml(size)
    whole = _parse("search.yaml", text, chunked=False)
    assert split_interviews(text) is not None
    assert asdict(_parse("search.yaml", text, chunked=True)) == asdict(whole)


BAD = [p for p in sorted((ROOT / "tests/data/bad").glob("*.yaml")) if p.name != "not_utf8.yaml"]


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_a_bad_file_read_in_pieces_reports_the_same(path: Path) -> None:
    assert _problems(path, chunked=True) == _problems(path, chunked=False)
