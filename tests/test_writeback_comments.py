"""A comment on a line whose value a command changes must not go on asserting the old
value: it is marked `# was: OLD, "..."`, or dropped with an old list or mapping."""

from __future__ import annotations

import difflib
import shutil

import pytest
from click.testing import CliRunner
from conftest import EXAMPLE

from followup_cal.cli import cli

TODAY = ["--today", "2026-11-23"]


@pytest.fixture
def example(tmp_path):
    path = tmp_path / "interviews.yaml"
    shutil.copyfile(EXAMPLE, path)
    return path


def changed(path, *args: str) -> list[str]:
    before = path.read_text("utf-8")
    result = CliRunner().invoke(cli, [*args, "-f", str(path), *TODAY])
    assert result.exit_code == 0, result.output
    diff = difflib.unified_diff(before.splitlines(), path.read_text("utf-8").splitlines(), n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_a_changed_date_keeps_its_comment_marked_as_the_old_value(example):
    lines = changed(example, "reply", "brightpath", "--on", "2026-11-06")
    assert lines == [
        "-    heard_back: 2026-11-05           # they answered: the next inquiry waits two weeks",
        '+    heard_back: 2026-11-06           # was: 2026-11-05, "they answered: the next inquiry waits two weeks"',
    ]
    # Changed again: the history grows, newest first.
    lines = changed(
        example, "reply", "brightpath", "--on", "2026-11-09", "--decision", "2026-11-30"
    )
    assert lines == [
        '-    heard_back: 2026-11-06           # was: 2026-11-05, "they answered: the next inquiry waits two weeks"',
        '+    heard_back: {date: 2026-11-09, decision_expected: 2026-11-30} # was: 2026-11-06; was: 2026-11-05, "they answered: the next inquiry waits two weeks"',
    ]


def test_the_same_value_again_leaves_the_comment_alone(example):
    assert changed(example, "reply", "brightpath", "--on", "2026-11-05") == []


def test_a_replaced_mapping_drops_the_comment_on_its_key(example):
    text = example.read_text("utf-8").replace(
        "    outcome:\n      result: offer\n",
        "    outcome:                          # a verbal offer\n      result: offer\n",
    )
    example.write_text(text, "utf-8")
    lines = changed(example, "outcome", "copperleaf", "rejected", "--on", "2026-11-20", "--replace")
    assert "-    outcome:                          # a verbal offer" in lines
    assert "+    outcome:" in lines
    assert "verbal" not in example.read_text("utf-8")
