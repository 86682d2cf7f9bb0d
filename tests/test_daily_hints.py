"""What the daily commands say around their output: the agenda's hint names a step that
is due, and add-round says what the new round changed in the plan."""

from __future__ import annotations

import pytest
from conftest import recorded, run


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def test_the_agenda_hint_names_a_due_step_never_one_days_away(example):
    ahead = run("agenda", str(example), "--today", "2026-11-10").stdout
    assert "Coming up (2)" in ahead and "Overdue" not in ahead
    assert "Sent one?" not in ahead  # the debrief is 6 days away: nothing to record yet
    due = run("agenda", str(example), "--today", "2026-11-23").stdout
    assert due.splitlines()[-1].startswith("Sent one? Record it: followup-cal done quantum-bank")


def test_add_round_prints_what_changed_in_the_plan(handwritten):
    _, result = recorded(
        handwritten, "add-round", "gorse", "--start", "2026-11-20 10:00",
        "--interviewer", "Dee Gorse <dee@gorse.example>", "--today", "2026-11-23",
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert lines[0] == f"added round 2 to 'gorse' in {handwritten}"
    assert "  planned: Thank-you → Dee Gorse (Fri 20 Nov 2026)" in lines
    assert any(line.startswith("  moved: Follow-up 1 → Bo Gorse") for line in lines)


def test_the_default_file_is_named_only_with_v(example, monkeypatch):
    monkeypatch.chdir(example.parent)
    assert run("plan", "--today", "2026-11-23").stderr == ""
    said = run("plan", "-v", "--today", "2026-11-23").stderr
    assert "using interviews.yaml (the default)" in said
