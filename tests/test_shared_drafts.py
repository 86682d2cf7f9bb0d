"""Drafts of a step several people get, and every draft due in the agenda's window."""

from __future__ import annotations

import pytest
from conftest import run

from followup_cal.cli.reading import DRAFTS_APART

TODAY = ["--today", "2026-11-23"]


@pytest.fixture(autouse=True)
def fixed_tz(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FOLLOWUP_CAL_FILE", raising=False)


def test_a_step_of_a_panel_prints_each_recipients_draft(example):
    result = run("draft", "northwind-platform", "thank_you", "-f", str(example), *TODAY)
    assert result.exit_code == 0, result.output
    drafts = result.stdout.split(DRAFTS_APART)
    assert [d.splitlines()[0] for d in drafts] == [
        "To: Dana Lee <dana.lee@northwind.example>",
        "To: José Núñez <jose.nunez@northwind.example>",
        "To: Mei Chen <mei.chen@northwind.example>",
    ]
    assert all("\nHi " in d and "Best regards," in d for d in drafts)
    one = run("draft", "northwind-platform", "thank_you", "--to", "Mei", "-f", str(example), *TODAY)
    assert one.stdout == drafts[2]


def test_an_eml_of_a_panels_step_still_needs_to(example, tmp_path):
    out = tmp_path / "t.eml"
    args = ["draft", "northwind-platform", "thank_you", "-f", str(example), "--eml", str(out)]
    result = run(*args, *TODAY)
    assert result.exit_code == 5 and "choose one with --to NAME" in result.stderr
    assert not out.exists()


def test_agenda_drafts_prints_every_draft_of_the_window(example):
    agenda = run("agenda", str(example), *TODAY).stdout
    result = run("agenda", str(example), "--drafts", *TODAY)
    assert result.exit_code == 0, result.output
    table, *drafts = result.stdout.split(DRAFTS_APART)
    assert table == agenda
    assert len(drafts) == 3  # the debrief, follow_up-1 and follow_up-2 the table lists
    for key in ("follow_up-1", "follow_up-2"):
        alone = run("draft", "helio-analytics", key, "-f", str(example), *TODAY).stdout
        assert alone in drafts
    assert run("agenda", str(example), "--drafts", "--format", "json", *TODAY).exit_code == 2
