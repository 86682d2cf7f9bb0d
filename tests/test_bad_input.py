"""Every bad-input sample in tests/data/bad gives exactly its expected lines and exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from followup_cal.cli import cli

BAD = Path(__file__).parent / "data" / "bad"
SAMPLES = sorted(p.name for p in BAD.glob("*.yaml"))


@pytest.mark.parametrize("name", SAMPLES)
def test_bad_input_gives_located_lines_and_exit_1(name, monkeypatch):
    monkeypatch.chdir(BAD)
    expected = (BAD / name).with_suffix(".expected").read_text("utf-8")
    result = CliRunner().invoke(cli, ["validate", name, "--today", "2026-11-23"])
    assert result.exit_code == 1, result.output
    assert result.stderr == expected
    assert result.stdout == ""
    assert "Traceback" not in result.output
    for line in expected.splitlines():
        assert line.startswith(f"{name}:")


@pytest.mark.parametrize("command", ["plan", "export"])
def test_other_commands_report_the_same_problems(command, monkeypatch, tmp_path):
    monkeypatch.chdir(BAD)
    out = tmp_path / "out.ics"
    args = [command, "unknown_key.yaml"] + (
        ["-o", str(out), "--no-state"] if command == "export" else []
    )
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr == (BAD / "unknown_key.expected").read_text("utf-8")
    assert not out.exists()


def test_missing_file_is_exit_3(tmp_path):
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"{tmp_path / 'nope.yaml'}: cannot read:")


@pytest.mark.parametrize(
    "raw",
    ["2024-02-29", "2026-02-29", "2026-13-01", "0000-01-01", "2026-01-01 12:30",
     "2026-01-01T12:30:59", "2026-01-01 24:00", "2026-01-01 24:01", "2026-01-01 12:60",
     "2026-01-01 25:00"],
)  # fmt: skip
def test_dates_read_as_python_dateutil_reads_them(raw):
    """The reader takes dates from the standard library (dateutil.parser is slow to
    import), with the same values and the same error messages as dateutil's isoparse."""
    from dateutil.parser import isoparse

    from followup_cal.loader.reader import _iso_datetime

    def outcome(read):
        try:
            return read(raw)
        except ValueError as exc:
            return str(exc)

    assert outcome(_iso_datetime) == outcome(isoparse)
