"""A change of rounds says what it changed in the plan, as done, reply and outcome do:
add-round, a round from an invitation, its reschedule and its cancellation print the
moved, planned and cancelled steps, and one line when a decision date written as
'in 2 weeks' now counts from another round (issue 31, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLE, TODAY_ENV, run
from test_invites_cli import FILE as INITECH

INVITES = Path(__file__).parent / "data" / "invites"
# Initech's phone screen on Tue 1 Dec, its decision written as the test says.
FILE = INITECH.replace(
    "    role: Backend Engineer\n",
    "    role: Backend Engineer\n    decision_expected: {decision}\n",
)


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    # add --from-invite has no --today: the day it plans from is pinned here.
    monkeypatch.setenv(TODAY_ENV, "2026-12-02")


def search(tmp_path: Path, decision: str = "in 2 weeks") -> Path:
    path = tmp_path / "search.yaml"
    path.write_text(FILE.format(decision=decision), "utf-8")
    return path


def invite(path: Path, name: str, *command: str):
    where = EXAMPLE.parent / "invitations" if name.startswith("helio") else INVITES
    result = run(*(command or ("add",)), "--from-invite", str(where / name), "-f", str(path),
                 "--yes")  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_add_round_says_the_relative_decision_counts_from_the_new_round(tmp_path):
    path = search(tmp_path)
    result = run(
        "add-round", "initech", "--start", "2026-12-08 10:00", "-f", str(path),
        "--interviewer", "Sam Roe <sam.roe@initech.example>", "--today", "2026-12-09",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        f"added round 2 to 'initech' in {path}",
        "  decision_expected: in 2 weeks now counts from round 2 on Tue 8 Dec: "
        "Tue 22 Dec (was Tue 15 Dec)",
    ]
    # The decision moved a week, and the first inquiry with it: said with why.
    assert any(
        line.startswith("  moved: Follow-up 1 → Priya Shah (Wed 16 Dec 2026) to ")
        and "decides on Tue 22 Dec" in line
        for line in lines
    ), lines


def test_a_decision_given_as_a_date_does_not_move_and_is_not_mentioned(tmp_path):
    path = search(tmp_path, "2026-12-15")
    lines = invite(path, "google_request.eml")
    start = lines.index(f"added round 2 to 'initech' in {path}")
    assert lines[start + 1:] == [
        "  planned: Debrief (Tue 8 Dec 2026)",
        "  planned: Thank-you → Priya Shah (Tue 8 Dec 2026)",
        "  planned: Thank-you → Sam Roe (Tue 8 Dec 2026)",
    ]  # fmt: skip


def test_a_round_from_an_invitation_prints_what_it_changed(tmp_path):
    path = search(tmp_path)
    lines = invite(path, "google_request.eml", "add-round", "initech")
    start = lines.index(f"added round 2 to 'initech' in {path}")
    assert lines[start + 1] == (
        "  decision_expected: in 2 weeks now counts from round 2 on Tue 8 Dec: "
        "Tue 22 Dec (was Tue 15 Dec)"
    )
    assert "  planned: Thank-you → Sam Roe (Tue 8 Dec 2026)" in lines
    assert any(line.startswith("  moved: Follow-up 1 → Priya Shah") for line in lines)
    assert not any("follow-ups planned" in line for line in lines)


def test_a_reschedule_and_a_cancellation_print_what_they_changed(tmp_path):
    path = search(tmp_path)
    invite(path, "google_request.eml")
    lines = invite(path, "google_reschedule.ics")
    start = lines.index(f"moved round 2 of 'initech' in {path}")
    assert lines[start + 1:start + 3] == [
        "  decision_expected: in 2 weeks now counts from round 2 on Thu 10 Dec: "
        "Thu 24 Dec (was Tue 22 Dec)",
        "  moved: Debrief (Tue 8 Dec 2026) to Thu 10 Dec (30 min after round 2 ends, while it "
        "is fresh)",
    ]  # fmt: skip
    assert any(line.startswith("  moved: Follow-up 1 → Priya Shah (Wed 23 Dec 2026) to ")
               for line in lines)  # fmt: skip

    lines = invite(path, "google_cancel.ics")
    start = lines.index(f"cancelled round 2 of 'initech' in {path}")
    # A round that does not take place counts for nothing: back to round 1's day.
    assert lines[start + 1] == (
        "  decision_expected: in 2 weeks now counts from round 1 on Tue 1 Dec: "
        "Tue 15 Dec (was Thu 24 Dec)"
    )
    assert "  cancelled: Thank-you → Sam Roe (Thu 10 Dec 2026)" in lines
    assert "  cancelled: Debrief (Thu 10 Dec 2026)" in lines


def test_a_decision_their_reply_gave_is_the_one_that_still_counts(tmp_path):
    path = search(tmp_path)
    replied = run("reply", "initech", "--on", "2026-12-02", "--decision", "2027-01-08",
                  "-f", str(path), "--today", "2026-12-02")  # fmt: skip
    assert replied.exit_code == 0, replied.output
    lines = invite(path, "google_request.eml")
    assert (
        "  decision_expected: in 2 weeks now counts from round 2 on Tue 8 Dec: Tue 22 Dec "
        "(was Tue 15 Dec); the date their reply gave, Fri 8 Jan, still counts"
    ) in lines


def test_a_move_says_why_the_day_changed_not_the_hour_in_their_zone(tmp_path):
    """Helio's people are in Berlin: each inquiry carries a note on its hour there, which
    says nothing of why the new round moved it to another day."""
    example = tmp_path / "interviews.yaml"
    example.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    lines = invite(example, "helio-round-2.ics", "add-round", "helio-analytics")
    assert (
        "  moved: Follow-up 1 → Lukas Becker (Tue 17 Nov 2026) to Tue 8 Dec "
        "(7 days after the interview on Tue 1 Dec)"
    ) in lines
