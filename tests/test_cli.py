"""Every command through click's CliRunner, as a user would type it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner
from conftest import EXAMPLE, interview, search_text

from followup_cal import __version__
from followup_cal.cli import cli

TODAY = ["--today", "2026-11-23"]


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def example(tmp_path) -> Path:
    path = tmp_path / "interviews.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    return path


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def test_version_and_help():
    assert run("--version").stdout.strip() == f"followup-cal, version {__version__}"
    for command in ("validate", "plan", "export", "draft", "sync"):
        result = run(command, "--help")
        assert result.exit_code == 0
        assert "Example:" in result.stdout, command


def test_validate_the_example(example):
    result = run("validate", str(example), *TODAY)
    assert result.exit_code == 0
    assert result.stdout == f"{example}: ok, 6 interviews, 49 follow-ups planned, 0 warnings\n"


def test_validate_strict_fails_on_generic_drafts(tmp_path):
    path = tmp_path / "generic.yaml"
    bare = interview(
        pitch="", rounds=[{"start": "2026-11-02 10:00", "interviewers": [{"name": "Dana Lee"}]}]
    )
    path.write_text(search_text(bare), "utf-8")
    relaxed = run("validate", str(path), *TODAY)
    assert relaxed.exit_code == 0
    strict = run("validate", str(path), "--strict", *TODAY)
    assert strict.exit_code == 4
    lines = strict.stderr.splitlines()
    assert (
        f"{path}:14:7: warning: acme thank_you to Dana Lee: is generic: add talked_about: with what you discussed with Dana Lee"
        in lines
    )
    assert any(
        ":7:3: warning: acme thank_you to Dana Lee: is generic: add pitch:" in line
        for line in lines
    )


def test_plan_table_is_sorted_one_line_per_event(example):
    result = run("plan", str(example), *TODAY)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == (
        "49 follow-ups; times in America/New_York; ✓ done, > due today, no mark: not done yet"
    )  # the marks' legend
    rows = lines[:-1]
    assert len(rows) == 49
    stamps = [row[2:18] for row in rows]
    assert stamps == sorted(stamps)
    assert rows[0].startswith("✓ ")  # recorded as done in the example
    assert rows[0][2:].split()[3:6] == ["brightpath", "debrief", "(me)"]


def test_plan_json_for_scripts(example):
    result = run("plan", str(example), "--format", "json", *TODAY)
    rows = json.loads(result.stdout)
    assert len(rows) == 49
    starts = [datetime.fromisoformat(r["start"]) for r in rows]
    assert starts == sorted(starts)
    first_follow_up = next(
        r for r in rows if r["uid"] == "northwind-platform.follow-up-1@followup-cal"
    )
    assert first_follow_up["start"] == "2026-12-01T09:30:00-05:00"
    assert first_follow_up["recipient"] == "Priya Shah"
    assert first_follow_up["status"] == "upcoming"
    assert {r["status"] for r in rows} == {"done", "past", "upcoming"}
    done = [r for r in rows if r["status"] == "done"]
    assert len(done) == 16 and all(r["done"] for r in done)
    assert all(r["done"] is None for r in rows if r["status"] != "done")


def test_export_writes_calendar_and_state_then_nothing_changes(example, tmp_path):
    out = tmp_path / "feed.ics"
    first = run("export", str(example), "-o", str(out), *TODAY)
    assert first.exit_code == 0
    assert first.stderr == f"wrote 49 events to {out} (49 new or changed)\n"
    state = tmp_path / "interviews.followup-state.json"
    assert json.loads(state.read_text())["version"] == 1
    data = out.read_bytes()
    again = run("export", str(example), "-o", str(out), "--today", "2026-12-01")
    assert again.stderr == f"wrote 49 events to {out} (0 new or changed)\n"
    assert out.read_bytes() == data


def test_export_to_stdout_without_state(example, tmp_path):
    result = run("export", str(example), "-o", "-", "--no-state", *TODAY)
    assert result.exit_code == 0
    cal = icalendar.Calendar.from_ical(result.stdout_bytes)
    assert len(list(cal.walk("VEVENT"))) == 49
    assert not (tmp_path / "interviews.followup-state.json").exists()


def test_export_with_a_broken_state_file_is_a_located_error(example, tmp_path):
    state = tmp_path / "interviews.followup-state.json"
    state.write_text('{"version": 1,\n "events": [}\n')
    out = tmp_path / "feed.ics"
    out.write_bytes(b"previous feed")
    result = run("export", str(example), "-o", str(out), *TODAY)
    assert result.exit_code == 1
    assert result.stderr == f"{state}:2:13: not valid JSON: Expecting value\n"
    assert out.read_bytes() == b"previous feed"


@pytest.mark.parametrize(
    "entry",
    [
        '{"hash": "x", "stamp": "2026-01-01"}',
        '{"hash": "x", "sequence": "one", "stamp": "2026-01-01"}',
        '{"hash": "x", "sequence": 1e400, "stamp": "2026-01-01"}',  # int() of infinity
    ],
)
def test_a_state_file_of_another_shape_is_one_line(example, tmp_path, entry):
    state = tmp_path / "interviews.followup-state.json"
    state.write_text(f'{{"version": 1, "events": {{"a": {entry}}}}}')
    result = run("export", str(example), "-o", str(tmp_path / "feed.ics"), *TODAY)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{state}:1:1: not a followup-cal state file; expected the file export writes "
        "(or delete it)\n"
    )


def test_export_does_not_replace_the_feed_when_the_input_is_bad(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("me: [\n")
    out = tmp_path / "feed.ics"
    out.write_bytes(b"previous feed")
    result = run("export", str(bad), "-o", str(out))
    assert result.exit_code == 1
    assert out.read_bytes() == b"previous feed"


def test_draft_prints_one_ready_draft_and_writes_eml(example, tmp_path):
    eml = tmp_path / "x.eml"
    result = run(
        "draft",
        "northwind-platform",
        "thank_you",
        "--to",
        "mei",
        "-f",
        str(example),
        "--eml",
        str(eml),
        *TODAY,
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "To: Mei Chen <mei.chen@northwind.example>"
    assert lines[1] == "Subject: Thank you for yesterday, Mei"
    assert "the customer dashboard launching next spring" in result.stdout
    assert eml.read_bytes().startswith(b"From: Alex Morgan <alex.morgan@example.org>")


def test_draft_without_step_gives_the_next_one_due(example, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_CAL_FILE", str(example))
    result = run("draft", "helio-analytics", *TODAY)
    assert result.exit_code == 0
    # 23 Nov: the final follow-up on Tue 24 Nov is the next one due.
    assert (
        result.stdout.splitlines()[1] == "Subject: Data Platform Engineer role: one last check-in"
    )
    assert result.stdout.splitlines()[2].startswith("When: Tue 24 Nov 2026 09:30 EST")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nope"],
            "no interview 'nope'; the ids are: brightpath, copperleaf, harbor-health, "
            "helio-analytics, northwind-platform, quantum-bank",
        ),
        (
            ["quantum-bank", "follow_up"],
            "no step 'follow_up' planned for 'quantum-bank'; the steps are: debrief, thank_you",
        ),
        (
            ["northwind-platform", "thank_you", "--eml", "t.eml"],  # one message a file
            "several people get this step (Dana Lee, José Núñez, Mei Chen); choose one with --to NAME",
        ),
        (
            ["northwind-platform", "thank_you", "--to", "zed"],
            "no recipient matching 'zed'; expected one of: Dana Lee, José Núñez, Mei Chen, Priya Shah",
        ),
    ],
)
def test_draft_errors_are_exit_5_and_list_the_choices(example, args, message):
    result = run("draft", *args, "-f", str(example), *TODAY)
    assert result.exit_code == 5
    assert result.stderr == message + "\n"


def test_a_bad_today_is_a_usage_error(example):
    result = run("plan", str(example), "--today", "23/11/2026")
    assert result.exit_code == 2
    assert "'23/11/2026' is not a date; expected YYYY-MM-DD" in result.stderr


def agenda_day(example: Path, *args: str) -> str:
    """The day agenda's heading names (the heading, not the first line: what comes before
    it, if anything, may depend on the day)."""
    lines = run("agenda", str(example), *args).stdout.splitlines()
    return next(line for line in lines if line.startswith("Agenda for "))


def test_the_day_is_today_else_followup_cal_today_else_the_real_date(example, monkeypatch):
    heading = "Agenda for {:%a %-d %b %Y} and the next 7 days (America/New_York)"
    monkeypatch.setenv("FOLLOWUP_CAL_TODAY", "2028-02-29")
    assert agenda_day(example) == heading.format(date(2028, 2, 29))
    assert agenda_day(example, "--today", "2026-12-24") == heading.format(date(2026, 12, 24))
    monkeypatch.delenv("FOLLOWUP_CAL_TODAY")
    # The real date: what holds on any day, even when the run crosses midnight.
    before = date.today()
    shown = agenda_day(example)
    assert shown in {heading.format(day) for day in (before, date.today())}


def test_a_bad_followup_cal_today_is_one_line_and_exit_2(example, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_CAL_TODAY", "24/12/2026")
    result = run("plan", str(example))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "Error: FOLLOWUP_CAL_TODAY='24/12/2026' is not a date; expected YYYY-MM-DD"
    )
    assert result.stdout == ""
    assert run("plan", str(example), *TODAY).exit_code == 0  # --today needs no variable


def test_output_is_identical_across_processes(example, tmp_path):
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "followup_cal",
                "export",
                str(example),
                "-o",
                "-",
                "--no-state",
                *TODAY,
            ],
            capture_output=True,
            env=env,
            check=True,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"BEGIN:VEVENT") == 49


def test_ctrl_c_is_one_line_and_exit_130(example, monkeypatch):
    from followup_cal import service

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(service, "plan", interrupted)
    result = run("plan", str(example), *TODAY)
    assert result.exit_code == 130
    assert result.stderr == "interrupted; nothing is half-written, run the command again\n"


def test_validate_warns_about_a_fact_dated_after_today(tmp_path):
    path = tmp_path / "interviews.yaml"
    path.write_text(
        search_text(
            interview(
                heard_back="2026-11-25",
                done=[{"step": "thank_you", "to": "Dana Lee", "date": "2026-11-24"}],
            )
        ),
        "utf-8",
    )
    lines = path.read_text("utf-8").splitlines()
    heard = next(n for n, line in enumerate(lines, 1) if "heard_back:" in line)
    done = next(n for n, line in enumerate(lines, 1) if "step: thank_you" in line)
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0
    warnings = [w for w in result.stderr.splitlines() if "is after today" in w]
    assert warnings == [
        f"{path}:{heard}:15: warning: acme heard_back: 2026-11-25 is after today "
        "(2026-11-23); a fact is dated when it happened",
        f"{path}:{done}:5: warning: acme done: thank_you: 2026-11-24 is after today "
        "(2026-11-23); a fact is dated when it happened",
    ]
    strict = runner.invoke(cli, ["validate", str(path), "--today", "2026-11-23", "--strict"])
    assert strict.exit_code == 4
    # On the day itself, and after, the same file is clean of it.
    later = runner.invoke(cli, ["validate", str(path), "--today", "2026-11-25"])
    assert "is after today" not in later.stderr
