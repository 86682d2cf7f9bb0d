"""`add` in a terminal: each answer checked as typed, a review before writing, Ctrl-C = 130."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE

from followup_cal.cli import cli


@pytest.fixture
def example(tmp_path) -> Path:
    path = tmp_path / "interviews.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


def answer(example: Path, *answers: str):
    return CliRunner().invoke(
        cli, ["add", "--prompt", "-f", str(example)], input="\n".join(answers) + "\n"
    )


GOOD = ["Acme", "Backend Engineer", ""]  # company, role, no pitch


def test_each_answer_is_asked_again_with_the_reason(example):
    result = answer(
        example,
        *GOOD,
        "Berlin", "Europe/Berlin",  # the round's zone, asked first
        "2026-11-31 14:00", "next tuesday", "2026-11-30 9:05",  # start: two wrong, then right
        "an hour", "45",  # duration
        "Dana Lee", "dana at acme", "dana@acme.example", "", "the billing rewrite",
        "y", "Sam Roe", "", "", "",  # a second interviewer, nothing else known
        "n",
        "Kim", "sam roe",  # contact: only someone met
        "the 25th", "2026-12-09",  # decision
        "",  # write it
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Error: '2026-11-31 14:00': day is out of range for month" in out
    assert "Error: 'next tuesday' is not a start like 2026-11-30 14:00" in out
    assert "Error: 'an hour' is not a duration: minutes (45) or hours (1h, 1h30m)" in out
    assert "Error: 'Berlin' is not a time zone; did you mean Europe/Berlin?" in out
    assert "Error: 'dana at acme' is not an e-mail address like dana@acme.example" in out
    assert "Error: 'Kim' was not met; the people met are: Dana Lee, Sam Roe" in out
    assert "Error: 'the 25th' is not a date (YYYY-MM-DD) or 'in 2 weeks'" in out
    text = example.read_text("utf-8")
    for line in (
        "    contact: Sam Roe\n",
        "    decision_expected: '2026-12-09'\n",
        "      - start: 2026-11-30 09:05\n",
        "        timezone: Europe/Berlin\n",
        "        duration: 45\n",
        "            email: dana@acme.example\n",
    ):
        assert line in text


ONE_PERSON = ["", "2026-11-30 14:00", "", "Dana Lee", "", "", "", "n", ""]  # zone, start, ...


def test_the_answers_are_reviewed_and_one_changed_before_writing(example):
    result = answer(example, *GOOD, *ONE_PERSON, "start", "2026-12-01 10:00", "role",
                    "Staff Engineer", "yes")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  start         2026-11-30 14:00" in result.output  # the first review
    assert "  start         2026-12-01 10:00" in result.output  # the second
    text = example.read_text("utf-8")
    assert "      - start: 2026-12-01 10:00\n" in text and "role: Staff Engineer" in text
    assert "2026-11-30 14:00" not in text


def test_the_zone_is_asked_before_the_time_and_named_with_it(example):
    result = answer(example, *GOOD, "Europe/Berlin", *ONE_PERSON[1:], "yes")
    assert result.exit_code == 0, result.output
    out = result.output
    zone = out.index("The round's time zone (empty: yours, America/New_York):")
    assert zone < out.index("Start (YYYY-MM-DD HH:MM, Europe/Berlin time):")
    assert "  start         2026-11-30 14:00 (Europe/Berlin time)" in out
    mine = answer(example, *GOOD, *ONE_PERSON, "quit").output
    assert "Start (YYYY-MM-DD HH:MM, America/New_York time):" in mine
    assert "  start         2026-11-30 14:00 (your time)" in mine


def test_the_review_says_what_validate_would_before_writing(example):
    before = example.read_bytes()
    person = ["Dana Lee", "", "", "her team's new metrics layer", "n", ""]
    result = answer(example, *GOOD, "", "2026-11-30 14:00", "", *person, "quit")
    assert result.exit_code == 0, result.output
    review = result.output.rsplit("  company", 1)[1]
    assert (
        "  warning: talked_about 'her team's new metrics layer' of Dana Lee says 'her', but "
        "the note goes to that very person" in review
    )
    assert example.read_bytes() == before  # said while it could still be changed


def test_quitting_at_the_review_writes_nothing(example):
    before = example.read_bytes()
    result = answer(example, *GOOD, *ONE_PERSON, "quit")
    assert (result.exit_code, result.output.splitlines()[-1]) == (
        0,
        f"nothing written to {example}",
    )
    assert example.read_bytes() == before


def test_a_new_round_is_reviewed_changed_or_dropped_before_writing(example):
    def add_round(*answers: str):
        args = ["add-round", "helio-analytics", "--prompt", "-f", str(example)]
        return CliRunner().invoke(cli, args, input="\n".join(answers) + "\n")

    before = example.read_bytes()
    dropped = add_round(*ONE_PERSON[:-1], "quit")
    assert dropped.exit_code == 0, dropped.output
    assert "  interviewers  Dana Lee" in dropped.output
    assert dropped.output.splitlines()[-1] == f"nothing written to {example}"
    assert example.read_bytes() == before

    changed = add_round(*ONE_PERSON[:-1], "duration", "1h30m", "yes")
    assert changed.exit_code == 0, changed.output
    assert "  duration      1h\n" in changed.output  # the first review
    assert "  duration      1h30m\n" in changed.output  # the second
    assert "added round 2 to 'helio-analytics'" in changed.output
    text = example.read_text("utf-8")
    assert "      - start: 2026-11-30 14:00\n" in text and "duration: 1h30m" in text


def read_until(fd: int, wanted: bytes, seen: bytearray, within: float = 60) -> bool:
    deadline = time.monotonic() + within  # a bound on a hung child, not a measurement
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 1024)
            except OSError:  # the child is gone
                break
    return wanted in seen


def test_ctrl_c_exits_130_and_leaves_the_file_untouched(example):
    before = example.read_bytes()
    pid, fd = pty.fork()
    if pid == 0:  # the child: followup-cal add in a terminal, as a person runs it
        # A job started in the background inherits SIGINT ignored; a terminal's is not.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execv(
            sys.executable,
            [sys.executable, "-m", "followup_cal", "add", "-f", str(example)],
        )
    seen = bytearray()
    assert read_until(fd, b"Company:", seen), seen
    os.write(fd, b"Acme\r")
    assert read_until(fd, b"Role:", seen), seen
    # Ctrl-C: the terminal sends SIGINT. One that lands after the prompt is printed but
    # before Python blocks reading stays pending until the next key (CPython's input()),
    # so press it again if nothing happens, as a person would.
    for _ in range(5):
        os.write(fd, b"\x03")
        if read_until(fd, b"half-written", seen, within=2):
            break
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 130, seen.decode(errors="replace")
    assert b"Aborted!" not in seen and b"Traceback" not in seen
    assert example.read_bytes() == before
