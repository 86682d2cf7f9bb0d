"""A net for slips: an ambiguous step, a step recorded long before its day, a reply that
would drop a decision date, and undo of the last write-back."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ADD, INIT, assert_refused, recorded, run

from followup_cal.loader import load


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def gorse(path: Path):
    return next(i for i in load(str(path)).interviews if i.id == "gorse")


def test_a_second_reply_keeps_the_decision_date_the_first_gave(handwritten):
    recorded(handwritten, "reply", "gorse", "--on", "2026-11-18", "--decision", "2026-12-04")
    lines, result = recorded(handwritten, "reply", "gorse", "--on", "2026-11-20")
    assert "still waiting for their decision on Fri 4 Dec 2026" in result.stdout
    assert lines == [
        "-    heard_back: {date: 2026-11-18, decision_expected: 2026-12-04}",
        "+    heard_back: {date: 2026-11-20, decision_expected: 2026-12-04}",
    ]
    assert gorse(handwritten).new_decision.isoformat() == "2026-12-04"


def test_a_reply_told_to_drop_the_decision_date_says_it_is_forgotten(handwritten):
    recorded(handwritten, "reply", "gorse", "--on", "2026-11-18", "--decision", "2026-12-04")
    _, result = recorded(handwritten, "reply", "gorse", "--on", "2026-11-20", "--drop-decision")
    assert "the decision date Fri 4 Dec 2026 is forgotten" in result.stdout
    assert gorse(handwritten).new_decision is None


def test_a_bare_step_name_that_could_be_two_lists_them(handwritten):
    assert_refused(
        handwritten,
        ["done", "gorse", "follow_up"],
        5,
        "'follow_up' could be 2 steps not yet done: follow_up-1 (Mon 23 Nov 2026), "
        "follow_up-2 (Mon 30 Nov 2026); name the one you mean, e.g. follow_up-1",
    )


def test_a_step_days_ahead_is_refused_without_a_terminal_or_yes(handwritten):
    assert_refused(
        handwritten,
        ["done", "gorse", "follow_up-2"],
        2,
        "Final follow-up → Bo Gorse (follow_up-2) is planned for Mon 30 Nov, more than 3 "
        "days ahead; not recorded: pass --yes",
    )
    lines, _ = recorded(handwritten, "done", "gorse", "follow_up-2", "--yes")
    assert lines == ["+    done:", "+    -   {step: follow_up-2, round: 1, date: 2026-11-23}"]
    # Within a few days of its day it needs no question: sent a little early.
    recorded(handwritten, "done", "gorse", "follow_up-1", "--on", "2026-11-20")


def test_undo_takes_back_the_last_write_and_shows_it(handwritten):
    original = handwritten.read_bytes()
    recorded(handwritten, "done", "gorse", "follow_up-1")
    result = run("undo", str(handwritten))
    assert result.exit_code == 0, result.output
    assert "-    done:" in result.stdout.splitlines()
    assert "-    -   {step: follow_up-1, round: 1, date: 2026-11-23}" in result.stdout
    assert handwritten.read_bytes() == original  # every byte back, comments and all
    again = run("undo", str(handwritten))
    assert again.exit_code == 5 and "nothing to undo" in again.stderr  # one step only


def test_undo_takes_back_only_the_last_of_two_writes(handwritten):
    recorded(handwritten, "reply", "gorse", "--on", "2026-11-18")
    after_reply = handwritten.read_bytes()
    recorded(handwritten, "outcome", "fenwick", "offer", "--on", "2026-11-20")
    assert run("undo", "-f", str(handwritten)).exit_code == 0
    assert handwritten.read_bytes() == after_reply


def test_undo_never_loses_an_edit_made_since(handwritten):
    recorded(handwritten, "done", "gorse", "follow_up-1")
    with handwritten.open("a") as file:
        file.write("# a note of mine\n")
    edited = handwritten.read_bytes()
    result = run("undo", str(handwritten))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{handwritten} changed since followup-cal last wrote it; not undone, so that nothing "
        "you wrote is lost (git diff, or your editor's undo, shows it)\n"
    )
    assert handwritten.read_bytes() == edited


def test_undo_of_an_added_interview(tmp_path):
    path = tmp_path / "interviews.yaml"
    run("init", str(path), *INIT, "--no-prompt")
    before = path.read_bytes()
    recorded(path, *ADD)
    assert run("undo", str(path)).exit_code == 0
    assert path.read_bytes() == before
