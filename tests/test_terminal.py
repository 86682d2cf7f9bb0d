"""Terminal manners: NO_COLOR and --color, -v/-vv on stderr without secrets, completion
from the user's file, and a command reference that cannot drift from the commands."""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path

import pytest
from caldav_servers import PASSWORD, start_radicale
from click.testing import CliRunner
from conftest import EXAMPLE, ROOT

from followup_cal.cli import cli
from followup_cal.cli.reference import reference

TODAY = ["--today", "2026-11-23"]
ESC = "\x1b["


@pytest.fixture
def example(tmp_path, monkeypatch) -> Path:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)
    path = tmp_path / "interviews.yaml"
    shutil.copyfile(EXAMPLE, path)
    monkeypatch.chdir(tmp_path)
    return path


def agenda(*before: str, terminal: bool, env: dict | None = None, after: tuple = ()) -> str:
    result = CliRunner().invoke(
        cli, [*before, "agenda", *TODAY, *after], color=terminal, env=env or {}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


# -- colour ------------------------------------------------------------------------------


def test_colour_on_a_terminal_unless_no_color(example):
    assert ESC in agenda(terminal=True)
    assert ESC not in agenda(terminal=False)
    assert ESC not in agenda(terminal=True, env={"NO_COLOR": "1"})
    assert ESC in agenda(terminal=True, env={"NO_COLOR": ""})  # empty means unset


def test_color_flag_wins_either_way(example):
    assert ESC in agenda("--color", "always", terminal=False)
    assert ESC in agenda("--color=always", terminal=True, env={"NO_COLOR": "1"})
    assert ESC not in agenda("--color", "never", terminal=True)
    # After the command's name too.
    assert ESC not in agenda(terminal=True, after=("--color", "never"))
    assert ESC in agenda(terminal=False, after=("--color", "always"))


# -- verbose -----------------------------------------------------------------------------


def test_verbose_says_what_it_reads_and_writes_on_stderr(example):
    quiet = CliRunner().invoke(cli, ["export", "-o", "out.ics", *TODAY])
    assert "followup-cal:" not in quiet.stderr
    loud = CliRunner().invoke(cli, ["-v", "export", "-o", "out.ics", *TODAY])
    assert loud.exit_code == 0
    lines = loud.stderr.splitlines()
    assert f"followup-cal: read interviews.yaml ({example.stat().st_size} bytes)" in lines
    assert "followup-cal: wrote out.ics" in lines
    assert "followup-cal:" not in loud.stdout
    more = CliRunner().invoke(cli, ["export", "-o", "out.ics", "-vv", *TODAY])
    assert f"followup-cal: no config file at {os.environ['XDG_CONFIG_HOME']}" not in more.stderr
    assert "followup-cal: read interviews.yaml" in more.stderr  # -vv after the name


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


def test_verbose_sync_lists_its_requests_and_never_the_password(example, radicale, monkeypatch):
    monkeypatch.setenv("HOME", str(example.parent))  # no ~/.netrc of the machine's
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    args = ["-vv", "sync", "--url", radicale.url, "--user", radicale.user, "--create", *TODAY]
    result = CliRunner().invoke(cli, args, env={"FOLLOWUP_CAL_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    puts = [line for line in lines if line.startswith("followup-cal: PUT http://127.0.0.1:")]
    assert len(puts) == 49 and all(line.endswith(" -> 201") for line in puts)
    assert any(line.startswith("followup-cal: PROPFIND ") for line in lines)  # discovery
    assert any(line.startswith("followup-cal:   ") and "bytes sent" in line for line in lines)
    token = base64.b64encode(f"{radicale.user}:{PASSWORD}".encode()).decode()
    for secret in (PASSWORD, token, "Authorization"):
        assert secret not in result.output


# -- completion --------------------------------------------------------------------------


def complete(words: str) -> list[str]:
    """What bash gets back when Tab is pressed after ``words``."""
    env = {
        "_FOLLOWUP_CAL_COMPLETE": "bash_complete",
        "COMP_WORDS": f"followup-cal {words}",
        "COMP_CWORD": str(len(words.split(" "))),
    }
    result = CliRunner().invoke(cli, [], prog_name="followup-cal", env=env)
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def test_completion_offers_ids_steps_and_people_from_the_file(example):
    assert complete("done h") == ["helio-analytics", "harbor-health"]
    steps = complete("done northwind-platform ")
    assert steps[:2] == ["follow_up-1", "follow_up-2"]
    assert "debrief" not in steps and "thank_you" not in steps  # done in the example
    assert complete("done northwind-platform thank_you --to ") == [
        "Priya Shah", "Dana Lee", "José Núñez", "Mei Chen",
    ]  # fmt: skip
    assert complete("draft helio-analytics follow_up-1 --to l") == ["Lukas Becker"]


def test_completion_finds_the_file_like_the_commands(example, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.yaml"
    other.write_text(EXAMPLE.read_text("utf-8").replace("id: brightpath", "id: bright-x"))
    monkeypatch.setenv("FOLLOWUP_CAL_FILE", str(other))
    assert complete("reply bri") == ["bright-x"]
    monkeypatch.delenv("FOLLOWUP_CAL_FILE")
    assert complete(f"reply -f {other} bri") == ["bright-x"]
    assert complete("reply bri") == ["brightpath"]


def test_completion_of_time_zones_by_start_or_city(example):
    assert complete("add --timezone Europe/Berl") == ["Europe/Berlin"]
    assert complete("init --timezone berl") == ["Europe/Berlin"]


def test_completion_plans_from_the_day_the_commands_do(example, monkeypatch):
    """Steps are those still open on the day every command plans from: a FOLLOWUP_CAL_TODAY
    that is no date offers nothing (the command would refuse it) rather than the clock's."""
    monkeypatch.setenv("FOLLOWUP_CAL_TODAY", "2026-11-23")
    assert complete("done northwind-platform ")[:2] == ["follow_up-1", "follow_up-2"]
    monkeypatch.setenv("FOLLOWUP_CAL_TODAY", "someday")
    assert complete("done northwind-platform ") == []


def test_completion_of_a_broken_file_offers_nothing(example):
    example.write_text("me: [", "utf-8")
    assert complete("done ") == []


# -- the reference -----------------------------------------------------------------------


def test_docs_reference_is_the_commands_own_help():
    page = ROOT / "docs" / "cli.md"
    if os.environ.get("UPDATE_GOLDEN"):
        page.write_text(reference(), "utf-8")
    assert page.read_text("utf-8") == reference(), "stale: run `make docs`"
    for name in cli.commands:
        assert f"\n## {name}\n" in page.read_text("utf-8")


def test_names_in_wide_scripts_keep_the_columns_of_plan_and_agenda_in_line(tmp_path):
    from conftest import interview, search_text

    people = [
        {"name": "田中 健", "talked_about": "the move to Rust"},
        {"name": "Jörg Müller", "talked_about": "on-call"},
    ]
    path = tmp_path / "wide.yaml"
    rounds = [{"start": "2026-11-20 10:00", "interviewers": people}]
    path.write_text(search_text(interview(rounds=rounds)), "utf-8")
    plan = CliRunner().invoke(cli, ["plan", str(path), *TODAY])
    agenda = CliRunner().invoke(cli, ["agenda", "-f", str(path), *TODAY, "--color", "never"])
    assert plan.exit_code == 0 and agenda.exit_code == 0, plan.output + agenda.output

    def cell(line: str, text: str) -> int:
        """The terminal cell where ``text`` starts: 田, 中 and 健 take two cells each."""
        before = line[: line.index(text)]
        return len(before) + sum(before.count(c) for c in "田中健")

    thanks = [line for line in plan.stdout.splitlines() if "thank_you" in line]
    assert [cell(line, "Acme") for line in thanks] == [81, 81]
    rows = [line for line in agenda.stdout.splitlines() if "thank_you" in line]
    assert len(rows) == 2 and cell(rows[0], "Thank") == cell(rows[1], "Thank")


def test_output_cut_short_by_head_is_no_internal_error(tmp_path):
    import subprocess
    import sys

    from conftest import interview, search_text

    # 300 interviews print far more than a pipe holds, so the plan is still writing when
    # the reader goes away: 'followup-cal plan | head -1'.
    many = [interview(id=f"co-{n}", company=f"Company {n}") for n in range(300)]
    path = tmp_path / "many.yaml"
    path.write_text(search_text(*many), "utf-8")
    command = [sys.executable, "-m", "followup_cal", "plan", str(path), *TODAY]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as run:
        assert run.stdout is not None and run.stderr is not None
        first = run.stdout.readline()
        run.stdout.close()
        stderr = run.stderr.read()
    assert first.startswith(b"  2026-11-02 Mon 11:30  co-")
    assert (run.returncode, stderr) == (141, b"")


# -- text from outside -----------------------------------------------------------------


def test_one_line_removes_escapes_controls_and_bidi_overrides_and_cuts():
    from followup_cal.columns import one_line

    hostile = "\x1b]0;title\x07\x1b[2J\x9b31mRe:\tnext\r\nsteps \u202eexe.pdf\u2066x\u2069\x00\x7f"
    assert one_line(hostile) == "Re: next steps exe.pdfx"
    assert one_line("a\u2028b\u2029c") == "a b c"
    assert one_line("👩\u200d💻 ok") == "👩\u200d💻 ok"  # a joiner moves nothing
    long = one_line("x" * 500, 40)
    assert long == "x" * 39 + "…"
    assert one_line("名前" * 50, 10) == "名前名前…"  # cells, not characters
