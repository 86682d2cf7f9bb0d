"""Every command over the corpus of hostile inputs in tests/data/hostile.

Each file's first line says what validate must answer: ``# expect: validate ok`` or
``# expect: LINE:COL: the start of the message``. Whatever validate accepts, every
command must handle; whatever it refuses, every command refuses with the same located
lines. No traceback, no internal error, and a refused write-back changes nothing.
Add any input that ever crashed a command here, one small file per kind.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_cal.calendar.ics import FeedStyle
from followup_cal.cli import cli
from followup_cal.journal.state import ExportState
from followup_cal.serve import FeedSource

HOSTILE = Path(__file__).parent / "data" / "hostile"
SAMPLES = sorted(p.name for p in HOSTILE.glob("*.yaml"))
TODAY = ["--today", "2026-11-23"]
LOCATED = re.compile(r"[^:]+:\d+:\d+: \S")
SYNC_OPTIONS = ["--dry-run", "--timeout", "2", *TODAY]
NEW_START = ["--start", "2026-11-10 09:00"]
DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 5, 7, 11}


def expectation(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8").lstrip("\ufeff").strip()
    assert first.startswith("# expect: "), f"{path.name} does not say what to expect"
    return first.removeprefix("# expect: ")


def reading_commands(name: str, out: Path) -> list[list[str]]:
    return [
        ["validate", name, *TODAY],
        ["plan", name, *TODAY],
        ["plan", name, "--format", "json", *TODAY],
        ["plan", name, "--html", str(out / "timeline.html"), *TODAY],
        ["export", name, "-o", str(out / "all.ics"), "--no-state", *TODAY],
        ["export", name, "-o", str(out / "public.ics"), "--public", "--no-state", *TODAY],
        ["export", name, "-o", str(out / "tasks.ics"), "--as", "todo", "--no-state", *TODAY],
        ["agenda", name, *TODAY],
        ["agenda", name, "--format", "json", *TODAY],
        ["draft", "acme", "thank_you", "-f", name, *TODAY],
        ["sync", name, "--url", "http://127.0.0.1:9/", "--user", "u", *SYNC_OPTIONS],
    ]


def writing_commands(name: str) -> list[list[str]]:
    interviewer = ["--interviewer", "Sam Roe <sam@acme.example>", "--no-prompt"]
    return [
        ["done", "acme", "debrief", "-f", name, *TODAY],
        ["reply", "acme", "--on", "2026-11-20", "-f", name, *TODAY],
        ["outcome", "acme", "rejected", "--on", "2026-11-23", "-f", name, *TODAY],
        ["add-round", "acme", "--start", "2026-11-20 10:00", *interviewer, "-f", name],
        ["add", "--company", "Initech", "--role", "QA", *NEW_START, *interviewer, "-f", name],
    ]


def feed_build(path: Path) -> bytes:
    """What `serve` builds for each request, without the HTTP around it."""
    source = FeedSource(
        str(path), FeedStyle(public=True), ExportState(), lambda: date(2026, 11, 23), print
    )
    source.refresh()
    feed = source.current()
    assert feed is not None, source.first_error
    return feed.body


def invoke(args: list[str]):
    result = CliRunner().invoke(cli, args, env={"FOLLOWUP_CAL_PASSWORD": "not-used", "TZ": "UTC"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.exception,
    )
    assert "Traceback" not in result.output, (args, result.output)
    assert "internal error" not in result.stderr, (args, result.stderr)
    assert result.exit_code in DOCUMENTED_EXITS, (args, result.exit_code, result.output)
    return result


def test_the_corpus_has_one_small_file_per_kind():
    assert len(SAMPLES) >= 25
    for name in SAMPLES:
        assert (HOSTILE / name).stat().st_size < 32_000, name
        expectation(HOSTILE / name)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_command_handles_what_validate_accepts_and_refuses_the_rest(
    name, tmp_path, monkeypatch
):
    path = tmp_path / name
    shutil.copyfile(HOSTILE / name, path)
    monkeypatch.chdir(tmp_path)
    expected = expectation(path)
    out = tmp_path / "out"
    out.mkdir()
    accepted = expected == "validate ok"

    for args in reading_commands(name, out):
        result = invoke(args)
        if accepted:
            # sync: the file is fine, the server on port 9 is not there (exit 7).
            assert result.exit_code == (7 if args[0] == "sync" else 0), (args, result.output)
        else:
            assert result.exit_code == 1, (args, result.output)
            lines = result.stderr.splitlines()
            assert lines and all(LOCATED.match(line) for line in lines), (args, lines)
            assert lines[0].startswith(f"{name}:{expected}"), (args, lines[0])
    if accepted:
        assert feed_build(path).startswith(b"BEGIN:VCALENDAR")

    for args in writing_commands(name):
        before = path.read_bytes()
        result = invoke(args)
        if not accepted:
            assert result.exit_code == 1, (args, result.output)
            assert path.read_bytes() == before
            continue
        assert result.exit_code in (0, 2, 11), (args, result.output)
        if result.exit_code:
            assert path.read_bytes() == before
        assert invoke(["validate", name, *TODAY]).exit_code == 0, args  # still a good file
    beside = {p.name for p in tmp_path.iterdir()} - {name, "out"}
    # Only the public UIDs' secret, and only for a file that was exported; and undo's
    # record of the last write-back, for a file written.
    undo = {name.replace(".yaml", ".followup-undo.json")}
    assert beside - undo == ({name.replace(".yaml", ".followup-secret")} if accepted else set())


def test_an_unexpected_exception_is_one_line_with_exit_70_and_a_report(tmp_path, monkeypatch):
    from followup_cal import service

    def broken(*_args, **_kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr(service, "export_stream", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    shutil.copyfile(HOSTILE / "tabs_in_values.yaml", tmp_path / "interviews.yaml")
    out = tmp_path / "feed.ics"
    result = CliRunner().invoke(cli, ["export", str(tmp_path / "interviews.yaml"), "-o", str(out)])
    assert result.exit_code == 70
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "internal error (a bug, exit 70): OverflowError: date value out of range; every file "
        "is whole, please report it with "
    )
    [report] = tmp_path.glob("followup-cal-bug-*.txt")
    assert str(report) in line
    text = report.read_text("utf-8")
    assert "Traceback" in text and "OverflowError" in text and "command: export" in text
    assert not out.exists()
