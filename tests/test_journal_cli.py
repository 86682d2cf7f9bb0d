"""The daily loop through click's CliRunner: agenda, done, reply, outcome.

Write-backs are checked as a user would review them in git: the exact lines added and
removed, and nothing else; a refused or failed command leaves the file byte-identical.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ADD, DATA, EXAMPLE, INIT, assert_refused, recorded, run

from followup_cal.cli import cli

TODAY = ["--today", "2026-11-23"]
JOURNAL = DATA / "journal"


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


# -- agenda ------------------------------------------------------------------------------


def test_agenda_for_a_fixed_today(example, monkeypatch):
    monkeypatch.chdir(example.parent)  # the file found by default: hints need no -f
    result = run("agenda", *TODAY)
    assert result.exit_code == 0
    assert result.stderr == ""  # the file found by default is named only with -v
    if os.environ.get("UPDATE_GOLDEN"):
        (JOURNAL / "agenda-2026-11-23.txt").write_text(result.stdout, "utf-8")
    expected = (JOURNAL / "agenda-2026-11-23.txt").read_text("utf-8")
    assert result.stdout == expected
    assert "\x1b[" not in result.stdout  # piped: plain text


def test_agenda_says_how_late_and_hides_done_steps(example):
    rows = json.loads(run("agenda", str(example), "--format", "json", *TODAY).stdout)
    by_key = {(r["interview"], r["key"]): r for r in rows}
    late = by_key[("helio-analytics", "follow_up-1")]
    assert (late["section"], late["days_overdue"], late["date"]) == ("overdue", 6, "2026-11-17")
    assert late["done_command"] == f"followup-cal done helio-analytics follow_up-1 -f {example}"
    assert by_key[("helio-analytics", "follow_up-2")]["section"] == "upcoming"
    # Recorded as done in the example, so absent though planned in the window's past.
    assert ("helio-analytics", "thank_you") not in by_key
    assert ("northwind-platform", "thank_you") not in by_key
    # Nothing beyond the window: Northwind's first follow-up is on Tue 1 Dec.
    assert all(r["date"] <= "2026-11-30" for r in rows)
    wider = json.loads(
        run("agenda", str(example), "--days", "8", "--format", "json", *TODAY).stdout
    )
    assert ("northwind-platform", "follow_up-1") in {(r["interview"], r["key"]) for r in wider}


def test_agenda_leaves_once_done(example):
    run("done", "helio-analytics", "follow_up-1", "-f", str(example), *TODAY)
    rows = json.loads(run("agenda", str(example), "--format", "json", *TODAY).stdout)
    assert ("helio-analytics", "follow_up-1") not in {(r["interview"], r["key"]) for r in rows}


def test_agenda_is_coloured_on_a_terminal(example):
    result = CliRunner().invoke(cli, ["agenda", str(example), *TODAY], color=True)
    overdue = next(line for line in result.stdout.splitlines() if "quantum-bank" in line)
    assert overdue.startswith("  \x1b[31m\x1b[1m")  # red and bold: overdue


def test_agenda_when_nothing_is_due(example):
    result = run("agenda", str(example), "--today", "2026-10-01")
    assert result.stdout.splitlines()[2:] == [
        "Nothing is due in the next 7 days.",
        "",
        # The first step not done: the example records BrightPath's as done.
        "Next after that: Mon 16 Nov — Debrief (yours to write), Quantum Bank",
    ]


# -- done --------------------------------------------------------------------------------


def test_done_appends_one_line_per_recipient(example):
    lines, result = recorded(
        example, "done", "helio-analytics", "follow_up-1", "--on", "2026-11-20"
    )
    assert lines == ["+      - {step: follow_up-1, round: 1, date: 2026-11-20}"]
    assert result.stdout.splitlines()[0] == (
        "✓ Follow-up 1 → Lukas Becker, Helio Analytics: done on Fri 20 Nov 2026"
    )
    assert "moved: Final follow-up → Lukas Becker (Tue 24 Nov 2026) to Fri 27 Nov" in result.stdout


def test_done_without_to_records_every_recipient_of_the_earliest_open_round(tmp_path):
    path = tmp_path / "i.yaml"
    text = EXAMPLE.read_text("utf-8")
    path.write_text(text.replace("    done:    ", "    old_done:    ", 1), "utf-8")
    # Remove Northwind's journal so its thank-yous are open again.
    start = text.index("    done:                            # what you did")
    end = text.index("\n\n", start)
    path.write_text(text[:start] + text[end + 1 :], "utf-8")
    lines, _ = recorded(path, "done", "northwind-platform", "thank_you", "--on", "2026-11-02")
    assert lines == [
        "+    done:",
        "+      - {step: thank_you, round: 1, to: Priya Shah, date: 2026-11-02}",
    ]
    lines, _ = recorded(path, "done", "northwind-platform", "thank_you")
    assert lines == [
        "+      - {step: thank_you, round: 2, to: Dana Lee, date: 2026-11-23}",
        "+      - {step: thank_you, round: 2, to: José Núñez, date: 2026-11-23}",
        "+      - {step: thank_you, round: 2, to: Mei Chen, date: 2026-11-23}",
    ]


def test_done_twice_changes_nothing(example):
    before = example.read_bytes()
    result = run("done", "helio-analytics", "thank_you", "-f", str(example), *TODAY)
    assert result.exit_code == 0
    assert result.stdout == f"already recorded as done (2026-11-10); {example} not changed\n"
    assert example.read_bytes() == before


def test_unknown_id_step_or_person_lists_the_valid_ones(example):
    assert_refused(
        example,
        ["done", "helio", "thank_you"],
        5,
        "no interview 'helio'; the ids are: northwind-platform, helio-analytics, quantum-bank, "
        "brightpath, copperleaf, harbor-health",
    )
    assert_refused(
        example,
        ["done", "helio-analytics", "follow_up-3"],
        5,
        "no step 'follow_up-3' is planned for 'helio-analytics'; the steps are: debrief, "
        "thank_you, follow_up-1, follow_up-2, check_in-1, check_in-2, check_in-3, check_in-4, "
        "check_in-5, check_in-6",
    )
    assert_refused(
        example,
        ["done", "northwind-platform", "thank_you", "--to", "Dana Lees"],
        5,
        "'thank_you' goes to no one called 'Dana Lees'; it goes to: Dana Lee, José Núñez, "
        "Mei Chen, Priya Shah",
    )
    assert_refused(
        example,
        ["done", "northwind-platform", "debrief", "--round", "3"],
        5,
        "'debrief' has no round 3; the rounds are: 1, 2",
    )


def test_future_date_is_refused(example):
    assert_refused(
        example,
        ["done", "helio-analytics", "follow_up-1", "--on", "2026-11-24"],
        2,
        "--on 2026-11-24 is after today (2026-11-23); record facts once they happen",
    )


# -- reply and outcome -------------------------------------------------------------------


def test_reply_with_a_new_decision_date_replans(example):
    lines, result = recorded(
        example, "reply", "helio-analytics", "--on", "2026-11-20", "--decision", "2026-12-04"
    )
    assert lines == ["+    heard_back: {date: 2026-11-20, decision_expected: 2026-12-04}"]
    # Follow-up 1 was due before their answer and never recorded: it stays, no longer due.
    assert (
        "no longer due: Follow-up 1 → Lukas Becker (Tue 17 Nov 2026), not done before Helio "
        "Analytics answered on Fri 20 Nov"
    ) in result.stdout
    assert "moved: Final follow-up → Lukas Becker (Tue 24 Nov 2026) to Mon 7 Dec" in result.stdout


def test_reply_replaces_an_earlier_reply_in_place(example):
    lines, _ = recorded(example, "reply", "brightpath", "--on", "2026-11-06")
    assert lines == [
        "-    heard_back: 2026-11-05           # they answered: the next inquiry waits two weeks",
        # The comment spoke of the old date: kept, marked as such.
        '+    heard_back: 2026-11-06           # was: 2026-11-05, "they answered: the next inquiry waits two weeks"',
    ]


def test_outcome_rejected_plans_the_reply_and_cancels_inquiries(example):
    lines, result = recorded(
        example, "outcome", "helio-analytics", "rejected", "--on", "2026-11-23", "--by", "lukas"
    )
    assert lines == [
        "+    outcome:",
        "+      result: rejected",
        "+      date: 2026-11-23",
        "+      by: Lukas Becker",
    ]
    assert "cancelled: Final follow-up → Lukas Becker (Tue 24 Nov 2026)" in result.stdout
    assert "planned: Reply to rejection → Lukas Becker (Tue 24 Nov 2026)" in result.stdout


def test_outcome_is_not_replaced_by_accident(example):
    assert_refused(
        example,
        ["outcome", "copperleaf", "withdrawn"],
        2,
        "'copperleaf' already has the outcome offer on 2026-11-13; pass --replace to change it",
    )
    lines, _ = recorded(example, "outcome", "copperleaf", "withdrawn", "--replace")
    assert lines == [
        "-      result: offer",
        "-      date: 2026-11-13",
        "+      result: withdrawn",
        "+      date: 2026-11-23",
    ]


# -- a hand-formatted file full of comments ------------------------------------------------


def test_handwritten_file_keeps_its_style(handwritten):
    lines, _ = recorded(
        handwritten, "done", "gorse", "thank_you", "--to", "cy", "--on", "2026-11-17"
    )
    assert lines == [
        "+    done:",
        "+    -   {step: thank_you, to: Cy Lane, date: 2026-11-17}",
    ]
    lines, _ = recorded(
        handwritten, "reply", "fenwick", "--on", "2026-11-20", "--decision", "2026-11-27"
    )
    assert lines == ["+    heard_back: {date: 2026-11-20, decision_expected: 2026-11-27}"]
    lines, _ = recorded(handwritten, "outcome", "gorse", "withdrawn")
    assert lines == ["+    outcome:", "+        result: withdrawn", "+        date: 2026-11-23"]
    text = handwritten.read_text("utf-8")
    # Comments stay where they were, in order; quoting is untouched.
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    original = (JOURNAL / "handwritten.yaml").read_text("utf-8")
    assert comments == [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert '    name: "Robin Carter"          # double quotes on purpose' in text
    assert text.endswith("    # no decision date given\n\n# end of file: nothing below this line\n")


def test_handwritten_file_new_interview_goes_above_the_closing_comment(handwritten):
    lines, _ = recorded(handwritten, *ADD)
    assert lines == [
        "+-   id: acme-corp",
        "+    company: Acme Corp",
        "+    role: Backend Engineer",
        "+    rounds:",
        "+    -   start: 2026-11-20 14:00",
        "+        duration: 45",
        "+        interviewers:",
        "+        -   name: Dana Lee",
        "+            email: dana@acme.example",
        "+            talked_about: their billing rewrite",
        "+",
    ]
    text = handwritten.read_text("utf-8")
    assert text.index("    # no decision date given") < text.index("-   id: acme-corp")
    assert text.rstrip().endswith("# end of file: nothing below this line")


def test_crlf_and_bom_are_kept(tmp_path):
    path = tmp_path / "windows.yaml"
    text = EXAMPLE.read_text("utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    run("done", "helio-analytics", "follow_up-1", "-f", str(path), *TODAY)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n      - {step: follow_up-1, round: 1, date: 2026-11-23}\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")


# -- nothing lost or half-written ----------------------------------------------------------


def test_an_interview_that_cannot_be_kept_as_written_is_refused(tmp_path):
    path = tmp_path / "mixed.yaml"
    text = EXAMPLE.read_text("utf-8").replace(
        "    company: Helio Analytics\n", "    company:    Helio Analytics\n", 1
    )
    path.write_text(text, "utf-8")
    line = text[: text.index("company:    Helio")].count("\n") + 1
    assert_refused(
        path,
        ["done", "helio-analytics", "follow_up-1"],
        11,
        f"{path}:{line}:1: followup-cal cannot write to this file without reformatting this line",
    )


def test_only_the_edited_interview_is_loaded_for_editing(tmp_path):
    # Spacing ruamel.yaml would not reproduce, outside the interview being edited: the
    # edit still goes through, and every other line stays as it was.
    path = tmp_path / "mixed.yaml"
    text = EXAMPLE.read_text("utf-8").replace(
        "  name: Alex Morgan\n  email:", "  name:    Alex Morgan\n  email:", 1
    )
    path.write_text(text, "utf-8")
    result = run("done", "helio-analytics", "follow_up-1", "-f", str(path), *TODAY)
    assert result.exit_code == 0, result.output
    after = path.read_text("utf-8").splitlines(keepends=True)
    added = [line for line in after if "{step: follow_up-1" in line and "2026-11-23}" in line]
    assert len(added) == 1
    after.remove(added[0])
    assert "".join(after) == text


def test_a_broken_file_is_reported_not_edited(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(EXAMPLE.read_text("utf-8").replace("role: Data", "rol: Data", 1), "utf-8")
    before = path.read_bytes()
    result = run("done", "helio-analytics", "follow_up-1", "-f", str(path), *TODAY)
    assert result.exit_code == 1
    assert "unknown key 'rol' in interview; did you mean 'role'?" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_failed_write_leaves_the_original_byte_identical(example):
    before = example.read_bytes()
    example.parent.chmod(0o555)  # the temporary file cannot be created beside it
    try:
        result = run("done", "helio-analytics", "follow_up-1", "-f", str(example), *TODAY)
    finally:
        example.parent.chmod(0o755)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"{example.resolve()}: cannot write:")
    assert example.read_bytes() == before
    assert [p.name for p in example.parent.iterdir()] == ["interviews.yaml"]


def test_a_failed_rename_leaves_the_original_byte_identical(example, monkeypatch):
    # Works as root too: the failure is injected at the rename, after the data was written.
    before = example.read_bytes()

    def refuse(self, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    result = run("done", "helio-analytics", "follow_up-1", "-f", str(example), *TODAY)
    assert result.exit_code == 3
    # The first rename refused is undo's record's, written with the change and before it.
    assert result.stderr.endswith(": cannot write: Permission denied\n")
    assert example.read_bytes() == before
    assert [p.name for p in example.parent.iterdir()] == ["interviews.yaml"]


# -- help and the whole search ---------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["agenda", "done", "reply", "outcome", "add", "add-round", "init"]
)
def test_every_new_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"followup-cal {command}" in result.stdout


def test_a_whole_search_reads_like_a_journal_in_git(tmp_path):
    """init, add, thank-you sent, a reply, a rejection, the reply to it: one small commit
    each, and `git log -p` shows exactly the facts."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    path = tmp_path / "interviews.yaml"

    def git(*args: str) -> str:
        env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
        env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
        done = subprocess.run(
            ["git", *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def step(message: str, *args: str, today: str | None) -> None:
        result = run(*args, "-f", str(path), *(["--today", today] if today else []))
        assert result.exit_code == 0, result.output
        git("commit", "-qam", message)

    git("init", "-q")
    run("init", str(path), *INIT, "--country", "GB", "--no-prompt")
    git("add", "interviews.yaml")
    git("commit", "-qm", "start")
    step("add Acme", *ADD, today=None)
    step("notes written", "done", "acme-corp", "debrief", today="2026-11-20")
    step("thank-you sent", "done", "acme-corp", "thank_you", today="2026-11-20")
    step("they answered", "reply", "acme-corp", "--on", "2026-11-25", today="2026-11-25")
    step("rejected", "outcome", "acme-corp", "rejected", "--on", "2026-12-02", today="2026-12-02")
    step("replied", "done", "acme-corp", "rejection_reply", today="2026-12-03")

    def diff_of(rev: str) -> list[str]:
        return [
            line
            for line in git("show", "--format=", "--unified=0", rev).splitlines()
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ]

    assert diff_of("HEAD~4") == [
        "+    done:",
        "+      - {step: debrief, date: 2026-11-20}",
    ]
    assert diff_of("HEAD~3") == ["+      - {step: thank_you, to: Dana Lee, date: 2026-11-20}"]
    assert diff_of("HEAD~2") == ["+    heard_back: 2026-11-25"]
    assert diff_of("HEAD~1") == [
        "+    outcome:",
        "+      result: rejected",
        "+      date: 2026-12-02",
    ]
    assert diff_of("HEAD") == ["+      - {step: rejection_reply, date: 2026-12-03}"]
    agenda = json.loads(
        run("agenda", str(path), "--format", "json", "--today", "2026-12-03").stdout
    )
    assert agenda == []  # everything due is done; the check-ins start in January


def test_shell_completion_as_the_readme_documents_it():
    import sys

    env = {**os.environ, "_FOLLOWUP_CAL_COMPLETE": "bash_complete"}
    env |= {"COMP_WORDS": "followup-cal ag", "COMP_CWORD": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "followup_cal"], env=env, capture_output=True, text=True
    )
    assert done.stdout.splitlines() == ["plain,agenda"]
    env |= {"COMP_WORDS": "followup-cal outcome x re", "COMP_CWORD": "3"}
    done = subprocess.run(
        [sys.executable, "-m", "followup_cal"], env=env, capture_output=True, text=True
    )
    assert done.stdout.splitlines() == ["plain,rejected"]


def test_validate_warns_about_a_done_entry_that_matches_nothing(example):
    text = example.read_text("utf-8")
    example.write_text(
        text.replace(
            "      - {step: follow_up-1, date: 2026-11-10}",
            "      - {step: follow_up-3, date: 2026-11-10}",
        ),
        "utf-8",
    )
    result = run("validate", str(example), "--strict", *TODAY)
    assert result.exit_code == 4
    line = text[: text.index("{step: follow_up-1, date: 2026-11-10}")].count("\n") + 1
    assert result.stderr.splitlines()[0] == (
        f"{example}:{line}:9: warning: copperleaf done: 'follow_up-3' matches no planned "
        # follow_up-1, not sent before the offer, stays as it was, no longer due
        "step; the steps are: debrief, thank_you, follow_up-1"
    )


def test_agenda_drops_an_inquiry_they_answered_before_it_was_sent(example):
    # Helio's first inquiry fell due on Tue 17 Nov and was never recorded as sent; they
    # answered on Fri 20 Nov. Asking "any news?" now would be asking after their answer.
    before = json.loads(run("agenda", str(example), "--format", "json", *TODAY).stdout)
    assert ("helio-analytics", "follow_up-1") in {(r["interview"], r["key"]) for r in before}
    run("reply", "helio-analytics", "--on", "2026-11-20", "-f", str(example), *TODAY)
    rows = json.loads(run("agenda", str(example), "--format", "json", *TODAY).stdout)
    keys = {(r["interview"], r["key"]) for r in rows}
    assert ("helio-analytics", "follow_up-1") not in keys
    # The thank-yous and other interviews' rows are untouched by Helio's answer.
    assert {k for k in keys if k[0] != "helio-analytics"} == {
        k for k in {(r["interview"], r["key"]) for r in before} if k[0] != "helio-analytics"
    }
