"""Work done once, counted: no regular expression compiled per interview, each draft
rendered once and linted once, identical texts linted once, whatever the command.

Counted in calls, never timed (the machine is shared). The searches come from
bench/generate.py, as in the scale benchmark.
"""

from __future__ import annotations

import re
import re._compiler
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import JOURNAL_TODAY, TODAY, load_search, run
from hypothesis import given
from hypothesis import strategies as st
from test_scale import synthetic_yaml

from followup_cal import loader, service
from followup_cal.plan import draft_lint, drafts
from followup_cal.plan.field_lint import _first_word


def _search(tmp_path: Path, size: int) -> Path:
    path = tmp_path / f"search-{size}.yaml"
    path.write_text(synthetic_yaml(size), "utf-8")
    return path


def _compilations(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """How many patterns the command compiles, from an empty cache of re's."""
    count = 0
    compile_ = re._compiler.compile

    def counted(*a: Any, **k: Any) -> Any:
        nonlocal count
        count += 1
        return compile_(*a, **k)

    re.purge()  # a pattern used before is compiled again: what a fresh process does
    with monkeypatch.context() as patch:
        patch.setattr(re._compiler, "compile", counted)
        result = run(*args)
    assert result.exit_code == 0, result.output
    return count


def test_validate_compiles_no_pattern_per_interview(tmp_path, monkeypatch):
    small, large = _search(tmp_path, 50), _search(tmp_path, 500)
    run("validate", str(small), *JOURNAL_TODAY)  # modules imported, their patterns built
    counts = [
        _compilations(monkeypatch, "validate", str(p), *JOURNAL_TODAY) for p in (small, large)
    ]
    assert counts[1] == counts[0], f"50 interviews: {counts[0]} compiled, 500: {counts[1]}"


class Calls:
    """render_draft and lint_draft, counted per planned item; the texts scanned."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rendered: Counter[tuple[str, str]] = Counter()
        self.linted: Counter[tuple[str, str]] = Counter()
        self.texts: set[str] = set()
        render, lint = drafts.render_draft, draft_lint.lint_draft

        def rendered(item: Any, *args: Any, **kwargs: Any) -> drafts.Draft:
            self.rendered[(item.uid, item.status)] += 1
            draft = render(item, *args, **kwargs)
            if item.status != "done":  # a step done is history: not linted
                self.texts.add(f"{draft.subject}\n{draft.body}")
            return draft

        def linted(item: Any, draft: drafts.Draft) -> Any:
            self.linted[(item.uid, item.status)] += 1
            return lint(item, draft)

        monkeypatch.setattr(drafts, "render_draft", rendered)
        monkeypatch.setattr(draft_lint, "lint_draft", linted)
        draft_lint.text_findings.cache_clear()

    @property
    def scanned(self) -> int:
        """How many texts the lint's patterns ran on (the others were known)."""
        return draft_lint.text_findings.cache_info().misses


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["plan", "--html", "{tmp}/t.html"],
        ["agenda", "--days", "366"],
        ["export", "-o", "{tmp}/f.ics", "--no-state"],
    ],
    ids=["validate", "plan-html", "agenda", "export"],
)
def test_each_draft_is_rendered_once(tmp_path, monkeypatch, args):
    path = _search(tmp_path, 40)
    calls = Calls(monkeypatch)
    argv = [a.format(tmp=tmp_path) for a in args]
    result = run(argv[0], str(path), *argv[1:], *JOURNAL_TODAY)
    assert result.exit_code in (0, 4), result.output
    assert len(calls.rendered) > 100
    assert set(calls.rendered.values()) == {1}


def test_validate_lints_each_draft_once_and_each_text_once(tmp_path, monkeypatch):
    path = _search(tmp_path, 40)
    calls = Calls(monkeypatch)
    result = run("validate", str(path), *JOURNAL_TODAY)
    assert result.exit_code == 0, result.output
    assert calls.linted.keys() == calls.rendered.keys()
    assert set(calls.linted.values()) == {1}
    assert calls.scanned == len(calls.texts) > 100


def test_identical_drafts_are_scanned_once(monkeypatch):
    """Two people of one name at two companies' check-ins: the same words, scanned once;
    each item still gets its own warnings."""
    person = {"name": "Dana Lee", "email": "dana@example.com"}
    one = {"id": "a", "company": "Acme", "role": "Engineer", "pitch": "TODO"}
    rounds = [{"start": "2026-11-02 10:00", "interviewers": [person]}]
    search = load_search({**one, "rounds": rounds}, {**one, "id": "b", "rounds": rounds})
    calls = Calls(monkeypatch)
    events = service.draft_events(search, service.plan(search, TODAY))
    by_text = Counter(f"{e.draft.subject}\n{e.draft.body}" for e in events)
    assert max(by_text.values()) == 2  # each text twice: once per interview
    warnings = [w for e in events for w in draft_lint.lint_draft(e.item, e.draft)]
    assert calls.scanned == len(by_text) < len(events)
    placeholders = [w for w in warnings if "unfilled placeholder 'TODO'" in w.message]
    assert {w.item.interview.id for w in placeholders} == {"a", "b"}


WORDS = st.text(alphabet="aAé_-'. 1", min_size=2, max_size=4)


@given(st.text(alphabet="aAé_-'. 1x", max_size=30), st.lists(WORDS, min_size=1, max_size=3))
def test_a_name_in_talked_about_is_found_as_the_pattern_found_it(text: str, words: list[str]):
    """field_lint finds the person's own name without building a pattern for each person:
    what it finds is what the pattern it replaced found."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
    match = pattern.search(text)
    assert _first_word(text, words) == (match[0] if match else None)


def test_validate_drafts_by_interview_and_warns_in_the_order_of_dates(tmp_path):
    """validate makes the drafts one interview at a time (faster) and still prints the
    warnings in the plan's order of dates, the generic ones at the first draft of each."""
    path = _search(tmp_path, 60)
    search = loader.load(str(path))
    items = service.plan(search, TODAY)
    by_date = service.lint(map(service.drafter(search), [i for i in items if i.status != "done"]))
    warnings = service.lint_plan(search, items)
    assert [w.format("f") for w in warnings] == [w.format("f") for w in by_date]
    assert len({w.item.interview.id for w in warnings[:20]}) > 1  # the interviews interleave


class _CountedSearch:
    """A compiled pattern whose searches are counted, with the texts they ran on."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.texts: list[str] = []

    def finditer(self, text: str) -> Any:
        self.texts.append(text)
        return self.pattern.finditer(text)


def test_a_gap_alone_sends_no_draft_to_the_placeholder_search(tmp_path, monkeypatch):
    # Nearly every draft holds a [[gap]], whose '[' passes the placeholder screen: the
    # slow search runs only where the text without its gaps may still hold a placeholder.
    path = _search(tmp_path, 40)
    counted = _CountedSearch(draft_lint.PLACEHOLDER_RE)
    monkeypatch.setattr(draft_lint, "PLACEHOLDER_RE", counted)
    monkeypatch.setitem(draft_lint.SCREENS, counted, draft_lint.SCREENS[counted.pattern])
    calls = Calls(monkeypatch)
    result = run("validate", str(path), *JOURNAL_TODAY)
    assert result.exit_code == 0, result.output
    with_gaps = [t for t in calls.texts if "[[" in t]
    assert len(with_gaps) > 100
    assert all(draft_lint._may_match(counted.pattern, t.lower()) for t in with_gaps)
    assert not any("[[" in t for t in counted.texts)
    left = [drafts.GAP_RE.sub("", t).lower() for t in calls.texts]
    assert len(counted.texts) == sum(draft_lint._may_match(counted.pattern, t) for t in left)


def test_the_page_names_each_day_once(tmp_path, monkeypatch):
    """plan --html puts 150,000 marks of a large search on a few hundred days: each day's
    name (strftime, twice) is made once for the marks and once for the panels, not once
    for each mark and again for each panel."""
    from followup_cal.calendar import timeline

    named: Counter[tuple[str, object]] = Counter()

    def counting(name: str) -> Any:
        real = getattr(timeline, name)

        def counted(day: Any) -> str:
            named[(name, day)] += 1
            return real(day)

        return counted

    for name in ("fmt_day", "fmt_date"):
        monkeypatch.setattr(timeline, name, counting(name))
    path = _search(tmp_path, 80)
    result = run("plan", str(path), "--html", str(tmp_path / "t.html"), *JOURNAL_TODAY)
    assert result.exit_code == 0, result.output
    marks = (tmp_path / "t.html").read_text("utf-8").count('<a class="mark s-')
    days = {day for _, day in named}
    assert marks > 3 * len(days), (marks, len(days))  # days are shared: something to save
    assert {n for (name, _), n in named.items() if name == "fmt_day"} == {1}
    # fmt_date: once a day for the panels, and for the page's heading and each
    # interview's reply or outcome.
    dated = sum(n for (name, _), n in named.items() if name == "fmt_date")
    assert dated <= len(days) + 1 + 80 < marks


def test_a_person_s_name_is_parsed_once_for_all_their_drafts(tmp_path, monkeypatch):
    """How a draft addresses someone (first name, 'Dr. Smith') is worked out once per
    person, not in each of the many drafts they get (150,000 in a large search)."""
    from followup_cal.plan import model

    parsed: Counter[str] = Counter()
    real = model.name_parts

    def counted(name: str) -> tuple[str, tuple[str, ...]]:
        parsed[name] += 1
        return real(name)

    monkeypatch.setattr(model, "name_parts", counted)
    search = loader.load(str(_search(tmp_path, 40)))
    events = service.draft_events(search, service.plan(search, TODAY))
    addressed = Counter(e.draft.recipient.name for e in events if e.draft.recipient)
    often = [name for name, n in addressed.items() if n >= 5]  # check-ins: a network's
    assert len(often) > 10
    assert max(parsed[name] for name in often) <= 3, [(n, parsed[n]) for n in often]


def test_a_reply_alone_plans_no_debrief_or_thank_you_again(tmp_path, monkeypatch):
    """What a reply or an outcome cancelled is found by planning each answered interview
    again without its answer. After a reply alone, the debrief and thank-yous are the
    plan's own (they do not depend on the answer): they are not planned again, and what
    is found is what planning everything again finds."""
    from dataclasses import replace

    from followup_cal.loader.business_calendar import calendar_for
    from followup_cal.plan import planner

    search = loader.load(str(_search(tmp_path, 60)))
    items = service.plan(search, TODAY)
    kept, cal = {i.uid for i in items}, calendar_for(search.me)
    everything = [
        (p.uid, p.start, p.reason, p.status)
        for i in search.interviews
        if i.heard_back or i.outcome
        for p in planner.plan_followups(
            [replace(i, heard_back=None, new_decision=None, outcome=None)], search.me, cal, TODAY
        )
        if p.uid not in kept
    ]
    again: Counter[str] = Counter()
    real = planner._round_steps

    def counted(ctx: Any) -> Any:
        again[ctx.interview.id] += 1
        return real(ctx)

    monkeypatch.setattr(planner, "_round_steps", counted)
    gone = service.cancelled(search, items, TODAY)
    replied = {i.id for i in search.interviews if i.heard_back and not i.outcome}
    decided = {i.id for i in search.interviews if i.outcome and i.held_rounds}
    assert len(replied) > 5 and len(decided) > 5
    assert not replied & again.keys()
    assert decided <= again.keys()
    assert sorted((p.uid, p.start, p.reason, p.status) for p in gone) == sorted(everything)
    assert len(gone) > 20
